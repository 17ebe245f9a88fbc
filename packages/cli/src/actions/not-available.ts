import { NotAvailableError, type ActionDefinition } from '@modelgate/core';
import { VERSION } from '../version.js';

const PLACEHOLDERS = new WeakSet<object>();

/** False for actions whose capability has not shipped yet. */
export function isAvailable(definition: object): boolean {
  return !PLACEHOLDERS.has(definition);
}

/**
 * An action from the design whose capability has not shipped in this version. It still
 * validates its configuration, then says so plainly; it never pretends to have done work.
 */
export function notYetAvailable(definition: Omit<ActionDefinition<Record<string, never>, never>, 'run' | 'inputs' | 'outputs'>): ActionDefinition<Record<string, never>, never> {
  const placeholder: ActionDefinition<Record<string, never>, never> = {
    ...definition,
    inputs: {},
    outputs: {},
    async run() {
      throw new NotAvailableError(`${definition.name} is not available yet in modelgate ${VERSION}`);
    },
  };
  PLACEHOLDERS.add(placeholder);
  return placeholder;
}
