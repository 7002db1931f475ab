/** Prefixes of keys people paste: model providers, GitHub, GitLab, Slack, AWS, Google, Tailscale … */
const KEY_PREFIX =
  /^(sk-|sk_live_|rk_live_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abpr]-|AKIA|AIza|hf_|r8_|gsk_|pplx-|tskey-)/;
const KEY_CHARACTERS = /^[A-Za-z0-9_\-.+/=]+$/;

/**
 * Whether a chat message looks like a credential on its own: one word of key characters that
 * starts as well-known keys do, or a long one with upper case, lower case and digits mixed, as
 * generated keys are. Such a message is never passed to the model (bot/secret-commands.ts):
 * someone who pastes a key into the chat, or sends a value for a `/secret add` the daemon no
 * longer waits for (it restarted, or the wait ran out), must not have it sent to an LLM
 * provider and kept in the conversation's history. A false alarm costs a resend in words.
 */
export function looksLikeCredential(text: string): boolean {
  const word = text.trim();
  if (word.length < 20 || word.length > 512 || !KEY_CHARACTERS.test(word)) return false;
  if (KEY_PREFIX.test(word)) return true;
  return word.length >= 32 && /[a-z]/.test(word) && /[A-Z]/.test(word) && /\d/.test(word);
}
