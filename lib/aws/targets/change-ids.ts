// Change ids shared by the recorder and discovery, so the store keeps each deployment once.
import type { Action } from './target';

export const changeIds = {
  codedeploy: (deploymentId: string) => `codedeploy:${deploymentId}`,
  lambda: (a: Action<'lambda-alias'>, version: string) => `lambda:${a.functionName}:${a.alias}:${version}`,
  ecs: (a: Action<'ecs'>, deploymentId: string) => `ecs:${a.cluster}/${a.service}:${deploymentId}`,
  appconfig: (a: Action<'appconfig'>, deployment: number) =>
    `appconfig:${a.application}/${a.environment}:${deployment}`,
};
