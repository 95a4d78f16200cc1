/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for
 * tests: every line is a comment (# HELP / # TYPE) or a sample
 * `name{label="value",...} number`; throws on anything else.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  helps: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), helps: new Map() };
  for (const [n, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const fail = (why: string) => new Error(`line ${n + 1}: ${why}: ${line}`);
    if (line.startsWith('# HELP ')) {
      const m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) throw fail('bad HELP');
      out.helps.set(m[1], m[2]);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (!m) throw fail('bad TYPE');
      if (out.types.has(m[1])) throw fail('TYPE repeated');
      out.types.set(m[1], m[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const nm = NAME.exec(line);
    if (!nm) throw fail('no metric name');
    let i = nm[0].length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(line.slice(i));
        if (!lm) throw fail('bad label');
        labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        i += lm[0].length;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(' ');
    if (line[i] !== ' ' || rest.length < 1 || rest.length > 2) throw fail('bad value');
    // Prometheus reads values with Go's ParseFloat: NaN and Inf case-insensitively (prom-client prints "Nan").
    const v = rest[0].toLowerCase();
    const value = v === 'nan' ? NaN : v === '+inf' || v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(rest[0]);
    if (Number.isNaN(value) && v !== 'nan') throw fail('value is not a number');
    out.samples.push({ name: nm[0], labels, value });
  }
  return out;
}

export function sample(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;
}
