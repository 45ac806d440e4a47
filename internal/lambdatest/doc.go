// Package lambdatest runs a built Lambda bootstrap under the AWS Lambda
// Runtime Interface Emulator (RIE), the way Lambda runs it, and invokes it.
//
// Tests of the extension, the rotators and the packaging build real
// binaries (BuildBootstrap), start them with Start and talk to them with
// Function.Invoke. The emulator is built once from the version pinned in
// tools/go.mod (RIEPath), so every test runs against the same platform.
//
// # The platform contract (what the pinned RIE does)
//
// These facts come from reading the emulator's source
// (github.com/aws/aws-lambda-runtime-interface-emulator, cmd/aws-lambda-rie,
// internal/lambda/rie and internal/lambda/rapid). The harness and the tests
// built on it rely on them.
//
//   - Entry point. Arguments after the flags are the runtime command: the
//     first is exec'd as the bootstrap, and with three or more the last is
//     taken as the handler. With no argument the RIE looks for
//     /var/task/bootstrap, then /opt/bootstrap, then /var/runtime/bootstrap.
//     Start passes the bootstrap's absolute path, so nothing is installed in
//     /var. The bootstrap runs in the RIE's working directory, which Start
//     sets to the bootstrap's directory (Lambda's /var/task).
//   - Addresses. --runtime-interface-emulator-address (default 0.0.0.0:8080)
//     serves POST /2015-03-31/functions/function/invocations.
//     --runtime-api-address (default 127.0.0.1:9001, a fixed port, so two
//     emulators would collide) serves the Runtime and Extensions APIs, and
//     its host:port is handed to the bootstrap and to every extension as
//     AWS_LAMBDA_RUNTIME_API. Start picks a free loopback port for each.
//   - Extensions. Only /opt/extensions is scanned: every non-directory entry
//     is exec'd, and init waits until each has registered and called
//     /extension/event/next. The registered name must be the file's name:
//     any other name registers an internal extension, which cannot
//     subscribe to SHUTDOWN. There is no flag to move that directory, hence
//     Options.Opt and the private mount namespace.
//   - Environment. The RIE copies its whole environment into the function's
//     and the extensions' (extensions lose variables starting with "_").
//     Defaults it fills in when unset: AWS_LAMBDA_FUNCTION_NAME=test_function,
//     AWS_LAMBDA_FUNCTION_VERSION=$LATEST, AWS_LAMBDA_FUNCTION_MEMORY_SIZE=3008,
//     AWS_LAMBDA_LOG_GROUP_NAME and _STREAM_NAME. AWS_LAMBDA_FUNCTION_TIMEOUT
//     (whole seconds, default 300) is both the init and the invoke timeout;
//     a timed-out invoke answers 200 with the plain text "Task timed out
//     after N.00 seconds". AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN are passed through as the function's credentials.
//     Start gives the RIE a clean environment (see Options.Env), never the
//     test process's, so a developer's real AWS credentials cannot leak in.
//   - Laziness. Nothing is started until the first invoke: that invoke runs
//     init (extensions first, then the bootstrap) and then the invoke, so
//     its duration includes init and extension start-up errors surface
//     there. The classic emulator serves one invoke at a time (a second
//     concurrent one is refused), so Function.Invoke serializes.
//   - Function errors. A handler error is answered 200 with the runtime's
//     error document ({"errorMessage": ..., "errorType": ...}) as the body;
//     the emulator drops the X-Amz-Function-Error header Lambda would send.
//     Invoke recognises that document and returns a *FunctionError.
//   - SIGTERM (or SIGINT). The RIE resets with reason "SandboxTerminated" and
//     a 2 s deadline: if any extension registered, the runtime gets SIGTERM
//     and 30 % of the deadline (600 ms) before SIGKILL; then every extension
//     registered for SHUTDOWN receives {"eventType":"SHUTDOWN",
//     "shutdownReason":"SandboxTerminated","deadlineMs":now+2000} and is
//     SIGKILLed at the deadline; extensions not registered for SHUTDOWN are
//     SIGKILLed at once. It then waits up to 2 s for the processes and exits
//     0. With no extension the runtime is SIGKILLed straight away. If no
//     invoke ever happened, nothing was started and nothing gets SHUTDOWN.
//   - Processes. The RIE starts the bootstrap and each extension in its own
//     process group, so signalling the RIE's group does not reach them.
//     Start therefore runs the RIE as PID 1 of a private PID namespace when
//     it can: when the RIE dies, however it dies, the kernel kills every
//     process it started.
//   - Managed instances. Setting AWS_LAMBDA_MAX_CONCURRENCY switches the
//     binary to a different emulator (Lambda Managed Instances,
//     internal/lambda-managed-instances). It ignores the bootstrap argument
//     and runs only /var/runtime/bootstrap, /var/task/bootstrap or
//     /opt/bootstrap, in /var/task, which must exist (Start mounts the
//     bootstrap's directory there). It runs the bootstrap and extensions as
//     uid 993, gid 990. Init runs eagerly at start-up, not at the first
//     invoke, and an init failure (an extension crashing or being refused)
//     makes the emulator exit 1. Extensions may register for SHUTDOWN only:
//     registering for INVOKE is answered 403 ErrorInvalidEventType. One
//     bootstrap process serves up to that many invokes concurrently. A
//     function error is a 200 with an Error-Type header. SIGTERM sends
//     SHUTDOWN with shutdownReason "spindown" and a 2 s deadline (600 ms for
//     the runtime). Start does not set the variable; pass it in Options.Env
//     to test that mode.
//   - Network. Only the PID and mount namespaces are private: the function
//     and its extensions share the test's loopback, so they reach servers
//     the test starts on 127.0.0.1, and two functions whose extensions use
//     the same fixed port collide (see FreePort). Names resolve through the
//     machine's /etc/hosts unless Options.Hosts gives the function a private
//     one (RDS-style endpoint names for servers on 127.0.0.x); Go's own
//     resolver, which static bootstraps use, reads it.
package lambdatest
