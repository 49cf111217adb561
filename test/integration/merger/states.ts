import type { MergeRequest } from "../../../src/merger/types.ts";
import { git } from "../../support/git-fixtures.ts";
import type { MergerHarness } from "./harness.ts";

const TAGGER = ["-c", "user.name=Tess Tagger", "-c", "user.email=tess@example.org"];

/**
 * Projects A and B; two stacked changes on A, one on B (one gate queue). A's initial commit is
 * tagged v1.0 (annotated); a tag `side` points at a commit outside every branch (`unrelated`).
 */
export async function twoChangesOnAOneOnB(h: MergerHarness): Promise<{ request: MergeRequest; unrelated: string }> {
  const a = await h.repo("A", { "README": "project A\n", "src/main.txt": "main\n" });
  await h.repo("B", { "README": "project B\n" });
  await git(a.dir, [...TAGGER, "tag", "-a", "-m", "release 1.0", "v1.0", await a.tip()]);
  const unrelated = await a.commit(await a.tip(), { "side.txt": "side\n" }, "Not in any chain\n");
  await git(a.dir, ["tag", "side", unrelated]);
  const message = (subject: string, n: number) => `${subject}\n\nChange-Id: I${String(n).padStart(40, "0")}\n`;
  const a1 = await h.change("A", 1, { "src/one.txt": "one\n" }, { message: message("A: first change", 1) });
  const a2 = await h.change("A", 2, { "src/two.txt": "two\n" }, { parent: a1.commit, message: message("A: second change", 2) });
  const b1 = await h.change("B", 3, { "b.txt": "b\n" }, { message: message("B: the change", 3) });
  return { request: { changes: [a1, b1, a2] }, unrelated };
}
