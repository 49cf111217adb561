/**
 * `POST /changes/{id}/revisions/{rev}/review` as Gerrit applies it: size limit, closed changes, unknown
 * labels dropped (or 400 with strictLabels), permitted ranges (403), then the votes on that patchset and
 * the message recorded as `Patch Set N: Label+V` + blank line + text.
 */
import { type SimAccount, type SimChange, formatVote, newMessageId } from "./model.ts";
import { type GerritState, MAX_MESSAGE_BYTES, type ReviewInput, SimHttpError } from "./state.ts";

/** The core of `POST .../review`: permission and size checks, votes, the recorded message. */
export function applyReview(state: GerritState, change: SimChange, patchset: number, account: SimAccount, input: ReviewInput): Record<string, number> {
  const labels = input.labels ?? {};
  if (input.message !== undefined && Buffer.byteLength(input.message) > MAX_MESSAGE_BYTES) {
    throw new SimHttpError(400, `Comment size exceeds limit (${Buffer.byteLength(input.message)} > ${MAX_MESSAGE_BYTES})`);
  }
  if (change.status === "ABANDONED") throw new SimHttpError(409, "change is closed");
  const applied: Record<string, number> = {};
  for (const [label, value] of Object.entries(labels)) {
    if (!Number.isInteger(value)) throw new SimHttpError(400, `label ${label}: invalid value ${value}`);
    const def = state.labels.find((l) => l.name === label);
    if (!def) {
      if (state.strictLabels) throw new SimHttpError(400, `label "${label}" is not a configured label`);
      continue;
    }
    // Gerrit allows only post-submit labels on a merged change (none are configured here), but an
    // unchanged value is not a new vote.
    const current = change.votes.find((v) => v.account === account.id && v.label === label && v.patchset === patchset)?.value ?? 0;
    if (change.status === "MERGED" && value !== current) throw new SimHttpError(409, `Voting on labels disallowed after submit: ${label}`);
    const range = account.ranges[label];
    if (value !== 0 && (!range || value < range.min || value > range.max)) {
      throw new SimHttpError(403, `Applying label "${label}": ${value} is restricted`);
    }
    applied[label] = value;
  }
  const now = state.now();
  const changed: string[] = [];
  for (const [label, value] of Object.entries(applied)) {
    const old = change.votes.find((v) => v.account === account.id && v.label === label && v.patchset === patchset);
    if ((old?.value ?? 0) === value) continue;
    change.votes = change.votes.filter((v) => v !== old);
    if (value !== 0) change.votes.push({ account: account.id, label, value, date: now, patchset, ...(input.tag ? { tag: input.tag } : {}) });
    changed.push(formatVote(label, value));
  }
  const header = `Patch Set ${patchset}:${changed.length ? ` ${changed.join(" ")}` : ""}`;
  const body = input.message?.trim() ? `${header}\n\n${input.message}` : header;
  if (changed.length > 0 || input.message?.trim()) {
    change.messages.push({ id: newMessageId(), author: account.id, date: now, message: body, revision: patchset, ...(input.tag ? { tag: input.tag } : {}) });
    if (!change.reviewers.includes(account.id) && account.id !== change.owner) change.reviewers.push(account.id);
    state.touch(change);
  }
  state.reviews.push({
    change: change.number,
    patchset,
    account: account.username,
    labels: applied,
    recorded: body,
    ...(input.message !== undefined ? { message: input.message } : {}),
    ...(input.tag !== undefined ? { tag: input.tag } : {}),
    ...(input.notify !== undefined ? { notify: input.notify } : {}),
  });
  return applied;
}
