// Command printversion prints version.Print's line and the User-Agent token, for
// version_test.go to check what the linker stamped.
package main

import (
	"fmt"
	"os"

	"github.com/paramsecrets/paramsecrets/internal/version"
)

func main() {
	version.Print(os.Stdout, "printversion")
	fmt.Println(version.UserAgent())
}
