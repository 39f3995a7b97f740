/** Standard normal density, distribution and quantile functions (pure, for tooltips and QQ plots). */

export function dnorm(x: number, mean = 0, sd = 1): number {
  const z = (x - mean) / sd;
  return Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
}

/** Upper tail of the standard normal, accurate in the far tail (complementary error function, W. J. Cody's rational form replaced by a continued fraction). */
export function pnormUpper(z: number): number {
  if (z < 0) return 1 - pnormUpper(-z);
  if (z < 3) return 0.5 * erfc(z / Math.SQRT2);
  // Continued fraction for Mills' ratio (converges fast for z >= 3).
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / (z + f);
  return dnorm(z) / (z + f);
}

export function pnorm(z: number): number {
  return z < 0 ? pnormUpper(-z) : 1 - pnormUpper(z);
}

function erfc(x: number): number {
  // Numerical Recipes' erfc approximation with fractional error below 1.2e-7.
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

/** Quantile of the standard normal (Acklam's rational approximation, relative error below 1.2e-9 after one refinement). */
export function qnorm(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/** Inverse of the logit link. */
export function plogis(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function qlogis(p: number): number {
  return Math.log(p / (1 - p));
}
