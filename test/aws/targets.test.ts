// What each target grants for unusual but valid catalog entries.
import { targetOf } from '../../lib/aws/targets';

describe('the Lambda alias target', () => {
  it("grants a function named by ARN in another account as named, never by this account's scope", () => {
    const arn = 'arn:aws:lambda:eu-west-1:444455556666:function:fx-handler';
    const { act, discover } = targetOf('lambda-alias').permissions({
      type: 'lambda-alias',
      functionName: `${arn}:live`,
      alias: 'live',
    });
    expect(act.map((p) => p.resource)).toStrictEqual([{ arn }, { arn: `${arn}:*` }]);
    expect([...act, ...discover].every((p) => p.scope === undefined)).toBe(true);
  });

  it('grants a function named by name in this account, under the account-wide scope', () => {
    const { act } = targetOf('lambda-alias').permissions({ type: 'lambda-alias', functionName: 'pay', alias: 'live' });
    expect(act[0]).toStrictEqual({
      actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetFunctionCodeSigningConfig'],
      resource: { service: 'lambda', resource: 'function:pay' },
      scope: { service: 'lambda', resource: 'function:*' },
    });
  });
});
