/**
 * Gerrit's JSON shapes as gatebox reads them (REST-SUBSET.md), validated defensively: only the fields
 * gatebox uses are checked, unknown fields are ignored, absent defaults stay absent.
 */
import * as z from "zod";

export const accountInfo = z.object({
  _account_id: z.number().int(),
  name: z.string().optional(),
  email: z.string().optional(),
  username: z.string().optional(),
});

const approvalInfo = z.object({
  _account_id: z.number().int(),
  value: z.number().int().optional(),
  date: z.string().optional(),
  tag: z.string().nullish(),
});

const labelInfo = z.object({
  all: z.array(approvalInfo).optional(),
  values: z.record(z.string(), z.string()).optional(),
});

const commitInfo = z.object({
  commit: z.string().optional(),
  parents: z.array(z.object({ commit: z.string() })).optional(),
  subject: z.string().optional(),
  message: z.string().optional(),
});

const revisionInfo = z.object({
  _number: z.number().int(),
  ref: z.string().optional(),
  created: z.string().optional(),
  uploader: accountInfo.optional(),
  commit: commitInfo.optional(),
});

const messageInfo = z.object({
  id: z.string(),
  author: accountInfo.optional(),
  date: z.string(),
  message: z.string(),
  _revision_number: z.number().int().optional(),
  tag: z.string().nullish(),
});

export const changeInfo = z.object({
  project: z.string(),
  branch: z.string(),
  change_id: z.string(),
  subject: z.string(),
  status: z.enum(["NEW", "MERGED", "ABANDONED"]),
  updated: z.string(),
  submitted: z.string().optional(),
  work_in_progress: z.boolean().optional(),
  _number: z.number().int(),
  current_revision_number: z.number().int().optional(),
  meta_rev_id: z.string().optional(),
  owner: accountInfo,
  current_revision: z.string().optional(),
  revisions: z.record(z.string(), revisionInfo).optional(),
  labels: z.record(z.string(), labelInfo).optional(),
  submittable: z.boolean().optional(),
  submit_requirements: z.array(z.object({ name: z.string(), status: z.string() })).optional(),
  messages: z.array(messageInfo).optional(),
  _more_changes: z.boolean().optional(),
});

export type ChangeInfo = z.infer<typeof changeInfo>;
export type AccountInfo = z.infer<typeof accountInfo>;

export const relatedInfo = z.object({
  changes: z.array(
    z.object({
      project: z.string().optional(),
      change_id: z.string().optional(),
      commit: z.object({ commit: z.string(), parents: z.array(z.object({ commit: z.string() })).optional() }).optional(),
      _change_number: z.number().int().optional(),
      _revision_number: z.number().int().optional(),
      _current_revision_number: z.number().int().optional(),
      status: z.string().optional(),
    }),
  ),
});

export const branchInfo = z.array(z.object({ ref: z.string(), revision: z.string() }));

export const projectConfig = z.object({
  submit_type: z.string().optional(),
  default_submit_type: z.object({ value: z.string().optional() }).optional(),
});

export const reviewResult = z.object({ labels: z.record(z.string(), z.number()).optional() });
