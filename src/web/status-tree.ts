/**
 * Lays a gate queue out as a tree (pure): every item hangs from the item it is tested on (its
 * nearest non-failing item ahead). Of a node's children the newest non-failing one continues the
 * line; the others (failing items, which the items behind skip over) branch off, drawn one level
 * deeper, listed before the line continues. An item not under test (outside the active window, so
 * it has no speculative state yet) hangs in queue order behind the nearest non-failing item ahead
 * of it: that is where it will be tested once it enters the window. Independent queues (check) are
 * flat: nothing is tested on anything.
 */
export interface TreeInput {
  key: string;
  /** Key of the item it is tested on; null (or unknown) = the branch tip. */
  ahead: string | null;
  /** Failing: no item is tested on it, so it branches off the line. Default false. */
  failing?: boolean;
  /** False when it has no speculative state (`ahead` means nothing then). Default true. */
  tested?: boolean;
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
  if (!tree) return items.map((i) => ({ key: i.key, parent: null, children: [], depth: 0, branch: false }));
  const parents = parentsOf(items);
  const failing = new Set(items.filter((i) => i.failing).map((i) => i.key));
  const children = new Map<string | null, string[]>();
  for (const i of items) {
    const p = parents.get(i.key) ?? null;
    const list = children.get(p) ?? [];
    list.push(i.key);
    children.set(p, list);
  }

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
    const trunk = kids.findLast((k) => !failing.has(k));
    for (const k of kids) if (k !== trunk) visit(k, parent, depth + 1, true);
    if (trunk !== undefined) visit(trunk, parent, depth, false);
  };
  place(children.get(null) ?? [], null, 0);
  // A cycle (never produced by the scheduler) would leave items unvisited: show them flat.
  for (const i of items) if (!seen.has(i.key)) out.push({ key: i.key, parent: null, children: [], depth: 0, branch: false });
  return out;
}

/** Each item's parent in the tree: the item it is tested on, or, untested, the one it waits behind. */
function parentsOf(items: readonly TreeInput[]): Map<string, string | null> {
  const keys = new Set(items.map((i) => i.key));
  const parents = new Map<string, string | null>();
  let lastGood: string | null = null; // nearest non-failing item so far, in queue order
  for (const i of items) {
    if (i.tested === false) parents.set(i.key, lastGood);
    else parents.set(i.key, i.ahead !== null && keys.has(i.ahead) && i.ahead !== i.key ? i.ahead : null);
    if (!i.failing) lastGood = i.key;
  }
  return parents;
}
