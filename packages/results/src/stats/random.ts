/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A seeded PRNG (sfc32, seeded through splitmix32): the same seed always gives the same sequence,
 * so bootstrap intervals and property tests are reproducible. Not for cryptography.
 */
export function createRandom(seed: number): Random {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // sfc32's first outputs still carry the seed's structure; the reference implementation skips them.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * Normally distributed numbers (Box-Muller) from a seeded PRNG: `createNormal(seed)(mean, sd)`.
 */
export function createNormal(seed: number): (mean?: number, sd?: number) => number {
  const random = createRandom(seed);
  let spare: number | undefined;
  return (mean = 0, sd = 1) => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return mean + sd * z;
    }
    // 1 - random() is in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    spare = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  };
}
