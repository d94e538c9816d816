// The task functions stay small on the path an alarm takes: none of them bundles the planner or the model.
import { bundle, FUNCTIONS } from '../../bench/bundles';

describe('the Lambda bundles', () => {
  it.each(FUNCTIONS)(
    '%s bundles without the planner, the ranking or the model',
    async (name) => {
      const report = await bundle(name);
      expect(
        report.inputs.filter((i) =>
          /lib\/core\/(planner|model|model\/\w+|suspects|features|chain|closure|graph)\.ts$/.test(i),
        ),
      ).toStrictEqual([]);
      expect(report.inputs.some((i) => i.endsWith(`lambdas/${name}.ts`))).toBe(true);
    },
    60_000,
  );
});
