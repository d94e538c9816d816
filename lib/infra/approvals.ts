// Approvals in AWS: the request function (the plans' `waitForTaskToken` target) keeps the task token in
// the table and emails a signed link; the approval page is the callback function behind API Gateway,
// and it is the only one allowed to call SendTaskSuccess/SendTaskFailure (rule 6). The signing secret
// lives in Secrets Manager. Optional: a Cognito user pool authorizer and approver lists per application.
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { backstepFunction, logGroup, type LogSettings } from './functions';

export interface ApprovalsProps {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly key: kms.IKey;
  readonly logs: LogSettings;
  /** The application whose approver list applies when an incident names none. */
  readonly application: string;
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  readonly userPool?: cognito.IUserPool;
}

export class Approvals extends Construct {
  public readonly requestFunction: lambda.IFunction;
  public readonly callbackFunction: lambda.IFunction;
  public readonly api: apigateway.RestApi;
  public readonly secret: secretsmanager.Secret;
  private readonly authorizer: apigateway.IAuthorizer | undefined;

  constructor(scope: Construct, id: string, props: ApprovalsProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'LinkSecret', {
      description: 'Backstep: signs approval links (HMAC-SHA256)',
      encryptionKey: props.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    const callback = backstepFunction(
      this,
      'Callback',
      {
        file: 'approval-callback.ts',
        environment: {
          table: props.table.tableName,
          approvalSecret: this.secret.secretArn,
          ...(props.approvers ? { approvers: JSON.stringify(props.approvers) } : {}),
        },
        timeout: Duration.seconds(15),
      },
      props.logs,
    );
    props.table.grantReadWriteData(callback);
    this.secret.grantRead(callback);
    // Task tokens name no resource: SendTask* cannot be scoped further. No other function has it (rule 6).
    callback.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'] }),
    );
    this.callbackFunction = callback;

    const accessLogs = logGroup(this, 'ApiAccessLogs', props.logs);
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'Backstep approval pages: GET and HEAD render, POST decides once',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'approve',
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Never INFO with data: request bodies carry nonces.
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        throttlingBurstLimit: 20,
        throttlingRateLimit: 10,
      },
    });
    this.authorizer = props.userPool
      ? new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [props.userPool] })
      : undefined;
    this.addPages('approvals', callback, ['GET', 'HEAD', 'POST']);

    const request = backstepFunction(
      this,
      'Request',
      {
        file: 'approval-request.ts',
        environment: {
          table: props.table.tableName,
          topic: props.topic.topicArn,
          approvalBaseUrl: this.api.url,
          approvalSecret: this.secret.secretArn,
          application: props.application,
        },
        timeout: Duration.seconds(30),
      },
      props.logs,
    );
    props.table.grantReadWriteData(request);
    this.secret.grantRead(request);
    props.topic.grantPublish(request);
    this.requestFunction = request;

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the signing secret would void every link still waiting for a decision; links live at most the approval timeout.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'The callback validates every request itself and answers 400/403/405 with a page a person can read; a gateway 400 would not.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: "The stage is throttled; a WAF web ACL is the account owner's choice and cost (docs/approvals.md).",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "API Gateway's own role for writing the stage's execution logs.",
      },
      ...(props.userPool
        ? []
        : [
            {
              id: 'AwsSolutions-APIG4',
              reason:
                "Without approvalUserPool the signed, expiring link is the credential (rules 1-4); deciding needs the page's nonce.",
            },
            {
              id: 'AwsSolutions-COG4',
              reason:
                'A Cognito authorizer is optional (approvalUserPool); without it the signed link is the credential.',
            },
          ]),
    );
  }

  /** `/<path>/{id}` on the approval API, served by `fn`, behind the same sign-in as the approval pages. */
  addPages(path: string, fn: lambda.IFunction, methods: readonly string[]): void {
    const page = this.api.root.addResource(path).addResource('{id}');
    const integration = new apigateway.LambdaIntegration(fn);
    for (const method of methods) {
      page.addMethod(method, integration, {
        ...(this.authorizer
          ? { authorizer: this.authorizer, authorizationType: apigateway.AuthorizationType.COGNITO }
          : {}),
        requestParameters: { 'method.request.path.id': true },
      });
    }
  }
}
