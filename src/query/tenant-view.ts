/** The object forTenant returns: its only methods are the view's (the class adds none to the prototype). */
class TenantView {
  constructor(readonly tenantId: string) {}
}

/**
 * A tenant view: `methods` of `scoped` (a repository whose queries are limited to the tenant), bound to it, and the
 * tenant id. Only the listed methods are there, so prices and repricing, which apply to every tenant, are not.
 */
export function tenantView<T extends object, K extends keyof T>(
  scoped: T,
  methods: readonly K[],
  tenantId: string,
): Pick<T, K> & { readonly tenantId: string } {
  const view = new TenantView(tenantId);
  for (const name of methods) {
    const method: unknown = scoped[name];
    if (typeof method !== 'function') throw new TypeError(`agentspan: ${String(name)} is not a method`);
    (view as unknown as Record<PropertyKey, unknown>)[name] = method.bind(scoped);
  }
  return view as TenantView & Pick<T, K>;
}
