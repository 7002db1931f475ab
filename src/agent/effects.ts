import type {
  Admission,
  ChangeResult,
  ConfirmationRequest,
  PowerResult,
  RollbackRequest,
} from "../workloads/index.js";

/** A create, restore or fork the turn's tool admitted; the transport carries it out with its progress. */
export interface AdmittedWork {
  readonly kind: "create" | "restore" | "fork";
  readonly admission: Admission;
}

/** What a turn's slow work ends with: the transport says it the way it says each. */
export type Followed = { readonly power: PowerResult } | { readonly change: ChangeResult };

/** What a turn asks the transport to do beyond replying. */
export interface TurnEffects {
  /** Admitted work (its name already claimed): the transport runs it and shows its progress. */
  carryOut(work: AdmittedWork): void;
  /** A destroy or rollback waiting for the user's button press. */
  requestConfirmation(request: ConfirmationRequest | RollbackRequest): void;
  /**
   * A start, stop, restart or change still running when the turn ends: its outcome goes to the
   * user when it comes.
   */
  follow(outcome: Promise<Followed>): void;
}

/** Effects that record what a turn asked for, for the transport to carry out after the reply. */
export function collectEffects() {
  const confirmations: (ConfirmationRequest | RollbackRequest)[] = [];
  const admitted: AdmittedWork[] = [];
  const followed: Promise<Followed>[] = [];
  const effects: TurnEffects = {
    carryOut: (work) => void admitted.push(work),
    requestConfirmation: (request) => void confirmations.push(request),
    follow: (outcome) => void followed.push(outcome),
  };
  return {
    effects,
    confirmations,
    admitted,
    followed,
    /**
     * A turn that failed runs none of its work: the names it claimed are freed, each on its own
     * (one release that throws must not keep the others' names).
     */
    releaseAll: () => {
      const failures: unknown[] = [];
      for (const work of admitted) {
        try {
          work.admission.release();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0)
        throw new AggregateError(failures, "could not release admitted work");
    },
  };
}
