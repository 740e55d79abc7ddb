// Python's fnmatch, translated to a RegExp as fnmatch.translate() does: only * ? [seq] [!seq] are
// special, `*` crosses '/', everything else matches itself. (Glob libraries read '(', '|', '{' or a
// leading '!' as syntax, which breaks paths such as pnpm's `pkg@1.0.0(jest@29)`.)
export function fnmatchToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (!source.endsWith('.*')) source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        source += '\\[';
      } else {
        let set = pattern.slice(i + 1, j).replace(/[\\\]\[]/g, '\\$&'); // literal inside the set in JS
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        else if (set.startsWith('^')) set = `\\${set}`;
        source += `[${set}]`;
        i = j;
      }
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^(?:${source})$`, 's');
}
