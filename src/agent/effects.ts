import type { ConfirmationRequest, PowerResult } from "../workloads/index.js";

/** What a turn asks the transport to do beyond replying. */
export interface TurnEffects {
  /** Starts a create in the background (the bot shows its progress); resolves once accepted. */
  startCreate(input: { name: string; modules: string[] }): void;
  startRestore(input: { id: string; name: string }): void;
  /** A destroy waiting for the user's button press. */
  requestConfirmation(request: ConfirmationRequest): void;
  /** A start, stop or restart still running when the turn ends: its outcome goes to the user. */
  followPower(outcome: Promise<PowerResult>): void;
}

/** Effects that record what a turn asked for, for the transport to carry out after the reply. */
export function collectEffects() {
  const confirmations: ConfirmationRequest[] = [];
  const creates: { name: string; modules: string[] }[] = [];
  const restores: { id: string; name: string }[] = [];
  const powerOutcomes: Promise<PowerResult>[] = [];
  const effects: TurnEffects = {
    startCreate: (input) => void creates.push(input),
    startRestore: (input) => void restores.push(input),
    requestConfirmation: (request) => void confirmations.push(request),
    followPower: (outcome) => void powerOutcomes.push(outcome),
  };
  return { effects, confirmations, creates, restores, powerOutcomes };
}
