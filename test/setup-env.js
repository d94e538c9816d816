// Every jest worker: the environment the CLI sets for itself (bin/backstep.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
