import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/secret.js";
import {
  INIT_DATA_MAX_AGE_MS,
  InitDataRejected,
  verifyInitData,
  type InitDataProblem,
} from "../../../src/web/init-data.js";
import { TEST_SECRETS } from "../../support/secrets.js";
import { initDataFor } from "../../support/init-data.js";

const token = new Secret(TEST_SECRETS.botToken);
const NOW = 1_800_000_000_000;

const problemOf = (initData: string | undefined, nowMs = NOW): InitDataProblem | "accepted" => {
  try {
    verifyInitData(initData, token, { nowMs });
    return "accepted";
  } catch (error) {
    if (error instanceof InitDataRejected) return error.problem;
    throw error;
  }
};

describe("verifyInitData", () => {
  it("accepts initData signed with the bot's token and gives its user", () => {
    const identity = verifyInitData(initDataFor(1001, { nowMs: NOW }), token, { nowMs: NOW });
    expect(identity).toEqual({ userId: 1001, firstName: "User 1001", authDateMs: NOW });
  });

  it("refuses initData another bot's token signed", () => {
    expect(problemOf(initDataFor(1001, { nowMs: NOW, token: TEST_SECRETS.otherBotToken }))).toBe(
      "bad-signature",
    );
  });

  it("refuses initData older than the freshness window, and from the future", () => {
    expect(problemOf(initDataFor(1001, { nowMs: NOW, ageMs: INIT_DATA_MAX_AGE_MS + 1000 }))).toBe(
      "stale",
    );
    expect(problemOf(initDataFor(1001, { nowMs: NOW, ageMs: -10 * 60_000 }))).toBe("stale");
    expect(problemOf(initDataFor(1001, { nowMs: NOW, ageMs: INIT_DATA_MAX_AGE_MS - 1000 }))).toBe(
      "accepted",
    );
  });

  it("refuses a missing hash, a repeated field and nothing at all", () => {
    const signed = new URLSearchParams(initDataFor(1001, { nowMs: NOW }));
    const withoutHash = new URLSearchParams(signed);
    withoutHash.delete("hash");
    expect(problemOf(withoutHash.toString())).toBe("malformed");
    expect(problemOf(`${signed.toString()}&user=${encodeURIComponent('{"id":1}')}`)).toBe(
      "malformed",
    );
    expect(problemOf(undefined)).toBe("missing");
    expect(problemOf("")).toBe("missing");
  });

  it("refuses any change to a signed field, and any field added", () => {
    const signed = initDataFor(1001, { nowMs: NOW });
    fc.assert(
      fc.property(
        fc.constantFrom("user", "auth_date", "query_id"),
        fc.string({ minLength: 1, maxLength: 40 }),
        (field, value) => {
          const forged = new URLSearchParams(signed);
          fc.pre(forged.get(field) !== value);
          forged.set(field, value);
          expect(problemOf(forged.toString())).toBe("bad-signature");
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_]{1,12}$/),
        fc.string({ maxLength: 20 }),
        (field, value) => {
          const forged = new URLSearchParams(signed);
          fc.pre(!forged.has(field));
          forged.append(field, value);
          expect(problemOf(forged.toString())).toBe("bad-signature");
        },
      ),
    );
  });

  it("never throws anything but a refusal, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(problemOf(text)).not.toBe("accepted");
      }),
    );
  });

  it("says nothing of the data in its message", () => {
    const initData = initDataFor(1001, { nowMs: NOW, token: TEST_SECRETS.otherBotToken });
    try {
      verifyInitData(initData, token, { nowMs: NOW });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).toBe("Mini App initData refused: bad-signature");
    }
  });
});
