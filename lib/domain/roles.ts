// Who may do what: the role ladder of the contract, as data.
export const ROLES = ['viewer', 'member', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, member: 1, lead: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** True when `role` is `minimum` or above it on the ladder. */
export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** X-User: 1–64 characters of A-Z a-z 0-9 . _ @ - */
export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * How the caller was identified: `headers` (X-User / X-Role, unverified), `proxy`
 * (the same headers, vouched for by X-Proxy-Secret), `oidc` (the ALB's signed
 * token), `token` (an API token).
 */
export const IDENTIFIED_BY = ['headers', 'proxy', 'oidc', 'token'] as const;
export type IdentifiedBy = (typeof IDENTIFIED_BY)[number];

export interface Identity {
  user: string;
  role: Role;
  /** Unset for the service's own work (the reconciler). */
  via?: IdentifiedBy;
}
