// Step Functions on aws-sdk-client-mock as an account without any plan yet: every machine is created,
// its `live` alias too, and there are no old versions to prune.
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  UpdateStateMachineCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SFNClientResolvedConfig,
} from '@aws-sdk/client-sfn';
import type { AwsStub } from 'aws-sdk-client-mock';

type SfnStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, SFNClientResolvedConfig>;

export function answerAsNewAccount(sfn: SfnStub): void {
  sfn.on(UpdateStateMachineCommand).rejects(Object.assign(new Error('no'), { name: 'StateMachineDoesNotExist' }));
  sfn.on(CreateStateMachineCommand).callsFake((input: { name: string }) => ({
    stateMachineArn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${input.name}`,
    stateMachineVersionArn: `arn:aws:states:eu-west-1:123456789012:stateMachine:${input.name}:1`,
  }));
  sfn.on(DescribeStateMachineAliasCommand).rejects(Object.assign(new Error('no'), { name: 'ResourceNotFound' }));
  sfn.on(CreateStateMachineAliasCommand).resolves({});
  sfn.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });
  sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [] });
}
