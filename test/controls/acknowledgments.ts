/**
 * The Control Tower proactive-control findings this project keeps, each with why. The test in
 * control-tower.test.ts fails on a finding not listed here and on an entry that no longer matches
 * a finding. An entry covers its logical id in every stack that has it (the same construct in
 * every region, e.g. the lookup service in each control-plane region).
 */
export interface ControlAcknowledgment {
  /** Control Tower control id, e.g. `CT.LAMBDA.PR.3`. */
  readonly control: string;
  /** Logical id of the resource in its template. */
  readonly logicalId: string;
  readonly reason: string;
}

export const CONTROL_TOWER_ACKNOWLEDGMENTS: readonly ControlAcknowledgment[] = [
];
