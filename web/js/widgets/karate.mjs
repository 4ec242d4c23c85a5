// karate.mjs: Zachary's karate club (1977), the small social network graph-learning lessons start
// from: 34 members of a university karate club, an edge wherever two of them met outside the
// club, and the two clubs it split into after a quarrel between the instructor (Mr. Hi, node 0)
// and the club's officer (node 33). Nodes are numbered from 0, as in NetworkX's copy of the data.
// Also here: the adjacency matrix the engine takes, degrees, hop distances and a force layout
// (a view only: where the nodes are drawn).
import { mulberry32 } from '../../dlplay/random.mjs';

export const NODES = 34;

/** The 78 friendships, each once (i < j). */
export const EDGES = [
  [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 10], [0, 11], [0, 12], [0, 13], [0, 17], [0, 19], [0, 21], [0, 31],
  [1, 2], [1, 3], [1, 7], [1, 13], [1, 17], [1, 19], [1, 21], [1, 30],
  [2, 3], [2, 7], [2, 8], [2, 9], [2, 13], [2, 27], [2, 28], [2, 32],
  [3, 7], [3, 12], [3, 13],
  [4, 6], [4, 10],
  [5, 6], [5, 10], [5, 16],
  [6, 16],
  [8, 30], [8, 32], [8, 33],
  [9, 33],
  [13, 33],
  [14, 32], [14, 33],
  [15, 32], [15, 33],
  [18, 32], [18, 33],
  [19, 33],
  [20, 32], [20, 33],
  [22, 32], [22, 33],
  [23, 25], [23, 27], [23, 29], [23, 32], [23, 33],
  [24, 25], [24, 27], [24, 31],
  [25, 31],
  [26, 29], [26, 33],
  [27, 33],
  [28, 31], [28, 33],
  [29, 32], [29, 33],
  [30, 32], [30, 33],
  [31, 32], [31, 33],
  [32, 33],
];

/** The clubs after the split: 0 = Mr. Hi's (17 members), 1 = the Officer's (17 members). */
export const FACTION_NAMES = ['Mr. Hi\'s club', 'the Officer\'s club'];
const HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];
export const FACTION = Array.from({ length: NODES }, (_, i) => (HI.includes(i) ? 0 : 1));
/** The two leaders, whose clubs everyone else joined. */
export const LEADERS = [0, 33];

/** The adjacency matrix, row-major [34 x 34], 1 for a friendship both ways, 0 on the diagonal. */
export function adjacency() {
  const A = new Float32Array(NODES * NODES);
  for (const [i, j] of EDGES) A[i * NODES + j] = A[j * NODES + i] = 1;
  return A;
}

/** Each node's friends, in order. */
export const NEIGHBOURS = Array.from({ length: NODES }, (_, i) => EDGES.flatMap(([a, b]) => (a === i ? [b] : b === i ? [a] : [])).sort((a, b) => a - b));
export const DEGREE = NEIGHBOURS.map((n) => n.length);

/** Hops from `source` to every node (breadth first). */
export function hopsFrom(source) {
  const dist = new Array(NODES).fill(Infinity);
  dist[source] = 0;
  for (let queue = [source]; queue.length; ) {
    const i = queue.shift();
    for (const j of NEIGHBOURS[i]) if (dist[j] === Infinity) (dist[j] = dist[i] + 1), queue.push(j);
  }
  return dist;
}

/**
 * The labelled nodes for `perClass` labels per club: the two leaders first, then members drawn
 * with the seed. Returns the node numbers, sorted.
 */
export function labelledNodes(perClass, seed) {
  const next = mulberry32(seed * 7919 + 3), out = [...LEADERS];
  for (const c of [0, 1]) {
    const pool = FACTION.map((f, i) => i).filter((i) => FACTION[i] === c && !LEADERS.includes(i));
    for (let k = 1; k < perClass && pool.length; k++) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Positions in [0, 1]², drawn so that distances on the page follow hops in the graph (stress
 * majorization: each node moves to where its distances to all others best match their hop
 * counts, nearer nodes counting more). Seeded and fixed, so every figure draws the club alike.
 */
export const LAYOUT = (() => {
  const next = mulberry32(20240611), n = NODES, d = Array.from({ length: n }, (_, i) => hopsFrom(i));
  const p = Array.from({ length: n }, () => [next(), next()]);
  for (let it = 0; it < 300; it++)
    for (let i = 0; i < n; i++) {
      let sx = 0, sy = 0, sw = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const w = d[i][j] ** -2, dx = p[i][0] - p[j][0], dy = p[i][1] - p[j][1], r = Math.max(1e-9, Math.hypot(dx, dy));
        sx += w * (p[j][0] + (d[i][j] * dx) / r), sy += w * (p[j][1] + (d[i][j] * dy) / r), sw += w;
      }
      p[i] = [sx / sw, sy / sw];
    }
  fit(p);
  // then nudge apart any two nodes closer than a node's width at the smallest size drawn
  for (let it = 0; it < 50; it++)
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const dx = p[i][0] - p[j][0], dy = p[i][1] - p[j][1], r = Math.max(1e-9, Math.hypot(dx, dy)), push = (0.075 - r) / 2;
        if (push > 0) (p[i][0] += (push * dx) / r), (p[i][1] += (push * dy) / r), (p[j][0] -= (push * dx) / r), (p[j][1] -= (push * dy) / r);
      }
  fit(p);
  // landscape: pages are wider than tall
  const tall = Math.max(...p.map((q) => q[1])) > Math.max(...p.map((q) => q[0]));
  return tall ? p.map(([x, y]) => [y, x]) : p;
})();

// scaled into the unit square, keeping the aspect
function fit(p) {
  const xs = p.map((q) => q[0]), ys = p.map((q) => q[1]), x0 = Math.min(...xs), y0 = Math.min(...ys);
  const span = Math.max(Math.max(...xs) - x0, Math.max(...ys) - y0);
  for (const q of p) (q[0] = (q[0] - x0) / span), (q[1] = (q[1] - y0) / span);
  return p;
}
