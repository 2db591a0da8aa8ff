import type { IConstruct } from 'constructs';

/** The synth warnings (Annotations) added anywhere under a construct, in tree order. */
export function warningsUnder(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === '@cdktf/warn')
    .map((m) => String(m.data));
}

/** The synth infos (Annotations) added anywhere under a construct, in tree order. */
export function infosUnder(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === '@cdktf/info')
    .map((m) => String(m.data));
}
