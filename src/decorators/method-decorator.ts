import { reportOnce } from '../internal/report-once';
import { defineCall } from './call-plan';
import { wrapFunction } from './invoke';
import { spanOptionKeys, validateSpanOptions } from './validate-options';
import type { SpanRole, TracedOptions } from './types';

/**
 * A method decorator accepted in both decorator dialects: legacy `(target, key, descriptor)` under
 * experimentalDecorators (what TypeORM projects compile with) and standard TC39 `(method, context)`.
 */
export interface DualMethodDecorator {
  <F extends (this: any, ...args: any[]) => any>(method: F, context: ClassMethodDecoratorContext<any, F>): F;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

export function methodDecorator(role: SpanRole, where: string, options: unknown): DualMethodDecorator {
  const checked: TracedOptions = validateSpanOptions(where, options, spanOptionKeys(role));
  function decorate(target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(keyOrContext)) {
      const name = String(keyOrContext.name);
      if (keyOrContext.kind !== 'method' || typeof target !== 'function') {
        reportOnce(
          `unsupported-member:${name}`,
          `${where} on ${name} (a ${keyOrContext.kind}) is not supported; it is left untraced`,
        );
        return undefined;
      }
      return wrapFunction(target, defineCall(role, name, checked, true));
    }
    const name = String(keyOrContext);
    if (!descriptor || typeof descriptor.value !== 'function') {
      reportOnce(`unsupported-member:${name}`, `${where} on ${name} needs a method; it is left untraced`);
      return descriptor;
    }
    return { ...descriptor, value: wrapFunction(descriptor.value as Function, defineCall(role, name, checked, true)) };
  }
  return decorate as DualMethodDecorator;
}

function isStandardContext(value: unknown): value is { kind: string; name: string | symbol } {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}
