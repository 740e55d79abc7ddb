import type { Frame } from '../../tracemalloc/frame';

// Jest's own code, around the user's code in every test, and the fake timers it installs.
const JEST_FRAME = /[\\/]node_modules[\\/](?:jest-[^\\/]+|@jest[\\/][^\\/]+|expect|expect-utils|jest|@sinonjs[\\/]fake-timers)[\\/]/;

export const isJestFrame = (frame: Pick<Frame, 'filename'>): boolean => JEST_FRAME.test(frame.filename);
