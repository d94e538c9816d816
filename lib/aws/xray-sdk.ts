// The X-Ray SDK as Powertools' tracer uses it, and nothing else: the functions bundle this module in place of
// `aws-xray-sdk-core` (the esbuild alias in lib/infra/functions.ts). The SDK's own entry loads every part
// whether used or not: the SDK v2 patcher with `semver` (its regular expressions are built at load), the
// EC2, ECS and Elastic Beanstalk plugins, the promise patcher, the SQL data class. The tracer calls none of
// them: it captures SDK v3 clients and HTTPS, and reads and sets segments. What runs at load is the entry's
// own: the SDK and service data on every segment, and in Lambda the facade segment the tracer's subsegments
// hang from.
import type * as AWSXRay from 'aws-xray-sdk-core';
import { captureAsyncFunc, captureFunc } from 'aws-xray-sdk-core/dist/lib/capture';
import * as contextUtils from 'aws-xray-sdk-core/dist/lib/context_utils';
import { setDaemonAddress } from 'aws-xray-sdk-core/dist/lib/daemon_config';
import * as LambdaEnv from 'aws-xray-sdk-core/dist/lib/env/aws_lambda';
import { setLogger } from 'aws-xray-sdk-core/dist/lib/logger';
import { captureAWSClient as captureAWSv3Client } from 'aws-xray-sdk-core/dist/lib/patchers/aws3_p';
import { captureHTTPsGlobal } from 'aws-xray-sdk-core/dist/lib/patchers/http_p';
import Segment from 'aws-xray-sdk-core/dist/lib/segments/segment';
import * as segmentUtils from 'aws-xray-sdk-core/dist/lib/segments/segment_utils';
import { name, version } from 'aws-xray-sdk-core/package.json';

/** What Powertools' tracer takes from the SDK (its ProviderService), by the SDK's own types. */
type TracerSurface = Pick<
  typeof AWSXRay,
  | 'captureAWS'
  | 'captureAWSClient'
  | 'captureAWSv3Client'
  | 'captureAsyncFunc'
  | 'captureFunc'
  | 'captureHTTPsGlobal'
  | 'getNamespace'
  | 'getSegment'
  | 'setSegment'
  | 'Segment'
  | 'setContextMissingStrategy'
  | 'setDaemonAddress'
  | 'setLogger'
>;

const sdkV2 = (): never => {
  throw new Error('X-Ray capture of the AWS SDK v2 is not bundled: Backstep calls AWS with the SDK v3');
};

const UNKNOWN = 'unknown';
// As the SDK's entry does (aws-xray-sdk-core/dist/lib/aws-xray.js).
segmentUtils.setSDKData({ sdk: 'X-Ray for Node.js', sdk_version: version, package: name });
segmentUtils.setServiceData({
  runtime: process.release.name,
  runtime_version: process.version,
  version: process.env['npm_package_version'] ?? UNKNOWN,
  name: process.env['npm_package_name'] ?? UNKNOWN,
});
if (process.env['LAMBDA_TASK_ROOT']) LambdaEnv.init();

const sdk: TracerSurface = {
  captureAWS: sdkV2,
  captureAWSClient: sdkV2,
  captureAWSv3Client,
  captureAsyncFunc,
  captureFunc,
  captureHTTPsGlobal,
  getNamespace: contextUtils.getNamespace,
  getSegment: contextUtils.getSegment,
  setSegment: contextUtils.setSegment,
  Segment,
  setContextMissingStrategy: contextUtils.setContextMissingStrategy,
  setDaemonAddress,
  setLogger,
};
// The tracer imports the SDK's default export, which for a CommonJS module is `module.exports` itself.
export = sdk;
