import type { LabConfig } from '../config/lab-schema.js';
import type { LabProvider } from './lab-provider.js';
import { StaticLabProvider } from './static.js';

/**
 * The provider of an inventory: `container` labs are made by the container
 * provider (its engine client loads only when such a lab is used), anything
 * else is static. Every command that reaches a lab's hosts asks it first.
 */
export async function labProviderFor(lab: LabConfig, labFile: string): Promise<LabProvider> {
  if (lab.provider !== 'container') return new StaticLabProvider(labFile);
  const { ContainerLabProvider } = await import('./container.js');
  return new ContainerLabProvider();
}

/** The inventory as its provider reaches it now: a container lab's published ports and lab keys, a static lab as written. */
export async function resolveInventory(lab: LabConfig, labFile: string): Promise<LabConfig> {
  return (await labProviderFor(lab, labFile)).resolve(lab);
}
