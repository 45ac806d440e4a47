package upstream

// The error codes each service's SDK models (its schemas package, for the
// module versions in go.mod; TestModeledErrorsAreTheSDKs holds these lists to
// them). The SDK reads a modeled error's message from the member its model
// names, "Message" or "message" in either casing, and a modeled error without
// such a member has an empty message; any other code's message is the body's
// "message" in any casing, or "UnknownError". Names are separated by spaces.
const (
	secretsModeled = "DecryptionFailure EncryptionFailure InternalServiceError InvalidNextTokenException " +
		"InvalidParameterException InvalidRequestException LimitExceededException " +
		"MalformedPolicyDocumentException PreconditionNotMetException PublicPolicyException " +
		"ResourceExistsException ResourceNotFoundException"
	secretsModeledNoMessage = ""

	parametersModeled = "AccessDeniedException AlreadyExistsException AssociationDoesNotExist " +
		"AssociationExecutionDoesNotExist AssociationVersionLimitExceeded " +
		"AutomationDefinitionNotApprovedException AutomationDefinitionNotFoundException " +
		"AutomationDefinitionVersionNotFoundException " +
		"AutomationExecutionLimitExceededException AutomationExecutionNotFoundException " +
		"AutomationStepNotFoundException ComplianceTypeCountLimitExceededException " +
		"ConflictException CustomSchemaCountLimitExceededException DocumentAlreadyExists " +
		"DocumentLimitExceeded DocumentPermissionLimit DocumentVersionLimitExceeded " +
		"DoesNotExistException DuplicateDocumentContent DuplicateDocumentVersionName " +
		"FeatureNotAvailableException HierarchyLevelLimitExceededException " +
		"HierarchyTypeMismatchException IdempotentParameterMismatch " +
		"IncompatiblePolicyException InternalServerError InvalidActivation " +
		"InvalidActivationId InvalidAggregatorException InvalidAllowedPatternException " +
		"InvalidAssociation InvalidAssociationVersion " +
		"InvalidAutomationExecutionParametersException InvalidAutomationSignalException " +
		"InvalidAutomationStatusUpdateException InvalidDeleteInventoryParametersException " +
		"InvalidDeletionIdException InvalidDocument InvalidDocumentContent " +
		"InvalidDocumentOperation InvalidDocumentSchemaVersion InvalidDocumentType " +
		"InvalidDocumentVersion InvalidFilter InvalidFilterOption InvalidFilterValue " +
		"InvalidInstanceId InvalidInstanceInformationFilterValue " +
		"InvalidInstancePropertyFilterValue InvalidInventoryGroupException " +
		"InvalidInventoryItemContextException InvalidInventoryRequestException " +
		"InvalidItemContentException InvalidKeyId InvalidNextToken InvalidNotificationConfig " +
		"InvalidOptionException InvalidParameters InvalidPermissionType " +
		"InvalidPolicyAttributeException InvalidPolicyTypeException " +
		"InvalidResultAttributeException InvalidRole InvalidSchedule InvalidTag InvalidTarget " +
		"InvalidTargetMaps InvalidTypeNameException InvalidUpdate " +
		"ItemContentMismatchException ItemSizeLimitExceededException " +
		"MalformedResourcePolicyDocumentException MaxDocumentSizeExceeded " +
		"NoLongerSupportedException OpsItemAccessDeniedException " +
		"OpsItemAlreadyExistsException OpsItemConflictException " +
		"OpsItemInvalidParameterException OpsItemLimitExceededException " +
		"OpsItemNotFoundException OpsItemRelatedItemAlreadyExistsException " +
		"OpsItemRelatedItemAssociationNotFoundException OpsMetadataAlreadyExistsException " +
		"OpsMetadataInvalidArgumentException OpsMetadataKeyLimitExceededException " +
		"OpsMetadataLimitExceededException OpsMetadataNotFoundException " +
		"OpsMetadataTooManyUpdatesException ParameterAlreadyExists ParameterLimitExceeded " +
		"ParameterMaxVersionLimitExceeded ParameterNotFound ParameterPatternMismatchException " +
		"ParameterVersionLabelLimitExceeded ParameterVersionNotFound " +
		"PoliciesLimitExceededException ResourceDataSyncConflictException " +
		"ResourceDataSyncCountExceededException ResourceDataSyncInvalidConfigurationException " +
		"ResourceDataSyncNotFoundException ResourceInUseException " +
		"ResourceLimitExceededException ResourceNotFoundException " +
		"ResourcePolicyConflictException ResourcePolicyInvalidParameterException " +
		"ResourcePolicyLimitExceededException ResourcePolicyNotFoundException " +
		"ServiceQuotaExceededException ServiceSettingNotFound " +
		"SubTypeCountLimitExceededException TargetInUseException TargetNotConnected " +
		"ThrottlingException TooManyUpdates TotalSizeLimitExceededException " +
		"UnsupportedCalendarException UnsupportedFeatureRequiredException " +
		"UnsupportedInventoryItemContextException UnsupportedInventorySchemaVersionException " +
		"UnsupportedOperatingSystem UnsupportedOperationException UnsupportedParameterType " +
		"UnsupportedPlatformType ValidationException"
	parametersModeledNoMessage = "AssociatedInstances AssociationAlreadyExists AssociationLimitExceeded " +
		"DuplicateInstanceId InvalidCommandId InvalidFilterKey InvalidOutputFolder " +
		"InvalidOutputLocation InvalidPluginName InvalidResourceId InvalidResourceType " +
		"InvocationDoesNotExist ResourceDataSyncAlreadyExistsException StatusUnchanged " +
		"TooManyTagsError"
)
