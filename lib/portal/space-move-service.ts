/**
 * What the move pages need from `flavors space move`: a plan first (nothing changes), then the
 * move itself, which refuses to run without the explicit data-loss confirmation. `flavors portal`
 * adapts the space-move library to this; tests pass a recording fake.
 */
export interface SpaceMovePlanView {
  readonly spaceId: string;
  readonly fromFlavor: string;
  readonly fromRegion: string;
  readonly toFlavor: string;
  readonly toRegion: string;
  /** The steps the move takes, in order, one sentence each. */
  readonly steps: readonly string[];
  /** What the move loses or leaves behind (why the confirmation is needed), one sentence each. */
  readonly dataLoss: readonly string[];
}

export interface SpaceMoveResult {
  /** What was done, one line each (as the CLI prints it). */
  readonly lines: readonly string[];
}

export interface SpaceMoveService {
  /** The plan of moving `spaceId` to `toFlavor`; refuses with the CLI's codes (unknown flavor, same flavor, ...). */
  plan(input: { readonly spaceId: string; readonly toFlavor: string }): Promise<SpaceMovePlanView>;
  /** Runs the move; refuses with the CLI's code unless `confirmDataLoss` is true. */
  execute(input: { readonly spaceId: string; readonly toFlavor: string; readonly confirmDataLoss: boolean }): Promise<SpaceMoveResult>;
}
