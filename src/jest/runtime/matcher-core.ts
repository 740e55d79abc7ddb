// What the matchers run. The environment loads it once per worker, in Node's realm, and hands it to
// the matchers; without the environment the matchers load it in the test's realm on first use.
// (Loaded by every test file, it cost about 30 ms per file: a 500-test suite ran 1.15x slower.)
import { measureFigures, readMeasureOptions } from '../../measure/measure';
import { detectLeakWithin, readLeakOptions } from '../../measure/leak';

// measureFigures, not measure: a matcher pays only for the calls of the figure it compares
export const matcherCore = { measureFigures, readMeasureOptions, detectLeakWithin, readLeakOptions };
export type MatcherCore = typeof matcherCore;
