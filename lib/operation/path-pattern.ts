// Path patterns like /api/v1/actions/{id}: compiled once, matched per request.
// Used by the router (which route?) and by validation (which params?).
export interface PathPattern {
  readonly pattern: string;
  readonly names: readonly string[];
  match(path: string): Record<string, string> | undefined;
}

export function compilePath(pattern: string): PathPattern {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return {
    pattern,
    names,
    match(path) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = m[i + 1]!));
      return params;
    },
  };
}
