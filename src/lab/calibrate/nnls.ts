/**
 * Non-negative least squares: min ‖A·x − b‖² subject to x ≥ 0, by the Lawson–Hanson active-set method
 * (Lawson & Hanson, "Solving Least Squares Problems", 1974, ch. 23). Sized for what calibration needs —
 * a handful of unknowns and tens of rows — so each inner solve uses the normal equations of the
 * passive columns, by Gaussian elimination with partial pivoting.
 */

/** Solve the square system M·z = v (n ≤ ~20); returns null when M is singular. */
function solveSquare(M: number[][], v: number[]): number[] | null {
  const n = v.length;
  const a = M.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-14) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < n; r++) {
      const k = a[r][c] / a[c][c];
      for (let j = c; j <= n; j++) a[r][j] -= k * a[c][j];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let j = r + 1; j < n; j++) s -= a[r][j] * z[j];
    z[r] = s / a[r][r];
  }
  return z;
}

/** Least squares over the columns in `cols` only (others 0), via the normal equations. */
function passiveSolve(A: readonly (readonly number[])[], b: readonly number[], cols: number[], n: number): number[] | null {
  const k = cols.length;
  const M = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const v = new Array<number>(k).fill(0);
  for (let r = 0; r < A.length; r++) {
    const row = A[r];
    for (let i = 0; i < k; i++) {
      const ai = row[cols[i]];
      if (ai === 0) continue;
      v[i] += ai * b[r];
      for (let j = 0; j < k; j++) M[i][j] += ai * row[cols[j]];
    }
  }
  const z = solveSquare(M, v);
  if (z === null) return null;
  const x = new Array<number>(n).fill(0);
  cols.forEach((c, i) => (x[c] = z[i]));
  return x;
}

/** x ≥ 0 minimising ‖A·x − b‖² (A: rows of equal length n). */
export function nnls(A: readonly (readonly number[])[], b: readonly number[], maxIterations = 200): number[] {
  const n = A[0]?.length ?? 0;
  if (A.length !== b.length) throw new RangeError(`nnls: ${A.length} rows but ${b.length} targets`);
  const x = new Array<number>(n).fill(0);
  const passive = new Set<number>();
  const gradient = (): number[] => {
    // w = Aᵀ(b − A·x): the descent direction of each coordinate.
    const w = new Array<number>(n).fill(0);
    for (let r = 0; r < A.length; r++) {
      let res = b[r];
      for (let j = 0; j < n; j++) res -= A[r][j] * x[j];
      for (let j = 0; j < n; j++) w[j] += A[r][j] * res;
    }
    return w;
  };
  const tol = 1e-10 * Math.max(1, ...b.map(Math.abs));
  for (let it = 0; it < maxIterations; it++) {
    const w = gradient();
    let best = -1;
    for (let j = 0; j < n; j++) if (!passive.has(j) && w[j] > tol && (best < 0 || w[j] > w[best])) best = j;
    if (best < 0) break;
    passive.add(best);
    // Inner loop: keep the passive solution feasible, stepping back toward x where it is not.
    for (let inner = 0; inner < 3 * n + 10; inner++) {
      const cols = [...passive].sort((p, q) => p - q);
      const z = passiveSolve(A, b, cols, n);
      if (z === null) {
        passive.delete(best);
        break;
      }
      if (cols.every((c) => z[c] > 0)) {
        for (let j = 0; j < n; j++) x[j] = z[j];
        break;
      }
      let alpha = 1;
      for (const c of cols) if (z[c] <= 0) alpha = Math.min(alpha, x[c] / (x[c] - z[c]));
      for (let j = 0; j < n; j++) x[j] += alpha * (z[j] - x[j]);
      for (const c of cols) if (x[c] <= 1e-15) {
        x[c] = 0;
        passive.delete(c);
      }
    }
  }
  return x;
}
