// Plans for people: readable text for a terminal, Mermaid for a wiki or a pull request.
import type { RollbackAction } from './catalog';
import type { Plan, PlanStep } from './plan';

export function describeAction(action: RollbackAction): string {
  switch (action.type) {
    case 'codedeploy':
      return `CodeDeploy ${action.application}/${action.deploymentGroup}`;
    case 'lambda-alias':
      return `Lambda ${action.functionName}:${action.alias}`;
    case 'ecs':
      return `ECS ${action.cluster}/${action.service}`;
    case 'appconfig':
      return `AppConfig ${action.application}/${action.environment}/${action.configurationProfile}`;
    case 'feature-flag':
      return `flag ${action.flag}${action.provider ? ` (${action.provider})` : ''}`;
    case 'manual':
      return action.runbook ? `manual (${action.runbook})` : 'manual';
  }
}

export function versions(step: PlanStep): string {
  const { fromVersion, toVersion } = step.change;
  if (fromVersion === undefined && toVersion === undefined) return '';
  return ` ${toVersion ?? '?'} -> ${fromVersion ?? 'previous'}`;
}

export function formatText(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Rollback plan ${plan.planId.slice(0, 12)} (schema ${plan.schemaVersion})`);
  lines.push(`Incident: ${plan.incident.alarmed.join(', ')} alarmed at ${plan.incident.at}`);
  lines.push(`Changes considered since ${plan.incident.windowStart}`);
  lines.push('');
  lines.push('Suspects (best first)');
  if (plan.suspects.length === 0) lines.push('  none');
  const width = Math.max(0, ...plan.suspects.map((s) => s.service.length));
  plan.suspects.forEach((s, i) => {
    lines.push(`  ${String(i + 1).padStart(2)}. ${s.service.padEnd(width)}  ${s.score.toFixed(2)}  ${s.why[0] ?? ''}`);
    for (const reason of s.why.slice(1)) lines.push(`      ${' '.repeat(width)}        ${reason}`);
  });
  let wave = 0;
  plan.stages.forEach((stage, i) => {
    lines.push('');
    const gate = stage.approval ? `waits for approval: ${stage.why.join('; ')}` : 'runs automatically';
    lines.push(`Stage ${i + 1} · ${stage.name} — ${gate}`);
    for (const w of stage.waves) {
      wave++;
      lines.push(`  Wave ${wave}`);
      for (const step of w.steps) {
        const flag = step.approval ? '  [approval]' : '';
        lines.push(`    - ${step.service}: ${describeAction(step.action)}${versions(step)}${flag}`);
        for (const reason of step.why) lines.push(`        · ${reason}`);
      }
      lines.push(`  Gate ${wave}: bake, then read the alarms (recovered -> stop; worse -> halt)`);
    }
  });
  if (plan.stages.length === 0) lines.push('', 'Nothing to roll back.');
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings');
    for (const warning of plan.warnings) lines.push(`  - ${warning}`);
  }
  return lines.join('\n') + '\n';
}

/** A Mermaid flowchart: one subgraph per stage, one per wave, gates between waves. */
export function formatMermaid(plan: Plan): string {
  const lines = ['flowchart TD', `  alarm(["alarm: ${escape(plan.incident.alarmed.join(', '))}"])`];
  let previous = 'alarm';
  let wave = 0;
  plan.stages.forEach((stage, s) => {
    const stageId = `stage${s + 1}`;
    lines.push(`  subgraph ${stageId}["Stage ${s + 1} · ${stage.name}"]`, '    direction TB');
    if (stage.approval) lines.push(`    ${stageId}_approve{{"approve stage ${stage.name}"}}`);
    for (const w of stage.waves) {
      wave++;
      lines.push(`    subgraph wave${wave}["Wave ${wave}"]`);
      w.steps.forEach((step, k) => {
        const label = `${step.service}<br/>${describeAction(step.action)}${step.approval ? '<br/>approval' : ''}`;
        lines.push(`      w${wave}s${k}["${escape(label)}"]`);
      });
      lines.push('    end', `    gate${wave}{"gate ${wave}"}`);
    }
    lines.push('  end');
    let from = previous;
    const label = s === 0 ? '' : '|not recovered|';
    if (stage.approval) {
      lines.push(`  ${from} -->${label} ${stageId}_approve`);
      from = `${stageId}_approve`;
    }
    const firstWave = wave - stage.waves.length + 1;
    for (let k = firstWave; k <= wave; k++) {
      lines.push(
        `  ${from} -->${from === previous && !stage.approval ? label : ''} wave${k}`,
        `  wave${k} --> gate${k}`,
      );
      lines.push(`  gate${k} -->|recovered| done`);
      from = `gate${k}`;
    }
    previous = from;
  });
  lines.push('  done(["recovered"])');
  if (plan.stages.length > 0) lines.push(`  ${previous} -->|not recovered| escalate(["escalate to people"])`);
  return lines.join('\n') + '\n';
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;');
}
