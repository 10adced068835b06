/** Runtime guards for values that cross an API boundary from untyped JavaScript callers. */

/** Array.isArray without narrowing to `any[]` (TypeScript does that for readonly arrays). */
export function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** True for non-null objects (arrays included). */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
