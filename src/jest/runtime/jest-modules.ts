import { dirname } from 'node:path';

/**
 * Loads a package of the Jest that is running (jest-environment-node, jest-circus), not whichever
 * copy happens to sit near this package: with two Jest majors on disk, or a strict layout such as
 * pnpm's, the nearest copy may be the wrong one or none.
 */
export function requireFromJest<T>(name: string): T {
  const places = [
    ...(require.main?.filename ? [dirname(require.main.filename)] : []), // jest's bin or its worker
    process.cwd(),
    __dirname,
  ];
  const tried: string[] = [];
  for (const place of places) {
    try {
      return require(require.resolve(name, { paths: [place] })) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      tried.push(place);
    }
  }
  throw new Error(`jest-tracemalloc needs ${name}, which comes with Jest; it was not found from ${tried.join(', ')}. Is Jest (29 or 30) installed?`);
}
