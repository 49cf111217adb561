/**
 * Lays a gate queue out as a tree (pure): every item hangs from the item it is tested on (its
 * nearest non-failing item ahead). Of a node's children the newest continues the line; the others
 * (a failing item that the items behind it skip over) branch off, drawn one level deeper, listed
 * before the line continues. Independent queues (check) are flat: nothing is tested on anything.
 */
export interface TreeInput {
  key: string;
  /** Key of the item it is tested on; null (or unknown) = the branch tip. */
  ahead: string | null;
}

export interface TreeNode {
  key: string;
  parent: string | null;
  children: string[];
  depth: number;
  branch: boolean;
}

/** Nodes in display order. Items are given in queue order (head first). */
export function layoutQueue(items: readonly TreeInput[], tree = true): TreeNode[] {
  const keys = new Set(items.map((i) => i.key));
  const parentOf = (i: TreeInput) => (tree && i.ahead !== null && keys.has(i.ahead) && i.ahead !== i.key ? i.ahead : null);
  const children = new Map<string | null, string[]>();
  for (const i of items) {
    const p = parentOf(i);
    const list = children.get(p) ?? [];
    list.push(i.key);
    children.set(p, list);
  }
  if (!tree) return items.map((i) => ({ key: i.key, parent: null, children: [], depth: 0, branch: false }));

  const out: TreeNode[] = [];
  const seen = new Set<string>();
  const visit = (key: string, parent: string | null, depth: number, branch: boolean) => {
    if (seen.has(key)) return;
    seen.add(key);
    const kids = children.get(key) ?? [];
    out.push({ key, parent, children: kids, depth, branch });
    place(kids, key, depth);
  };
  const place = (kids: string[], parent: string | null, depth: number) => {
    kids.forEach((k, n) => {
      if (n < kids.length - 1) visit(k, parent, depth + 1, true);
    });
    const trunk = kids.at(-1);
    if (trunk !== undefined) visit(trunk, parent, depth, false);
  };
  place(children.get(null) ?? [], null, 0);
  // A cycle (never produced by the scheduler) would leave items unvisited: show them flat.
  for (const i of items) if (!seen.has(i.key)) out.push({ key: i.key, parent: null, children: [], depth: 0, branch: false });
  return out;
}
