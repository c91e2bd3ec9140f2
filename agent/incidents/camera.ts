import type { Category } from '../rules/index.js';

/**
 * What the incident stage reads of a camera's configuration, declared here so that incidents need not import
 * the config (it comes later in the flow); agent/config's CameraConfig satisfies it as it is.
 */

/** A configured rule: its id and labels; every other field counts in its fingerprint (resume.ts). */
export interface IncidentRule {
  readonly id: string;
  readonly name?: string;
  readonly title?: { readonly vi?: string; readonly en?: string };
  readonly category?: Category;
  /** Id of the zone the rule watches (rules whose zone is optional may have none). */
  readonly zone?: unknown;
  readonly maskZones?: readonly string[];
  /** Id of the line a line rule counts on. */
  readonly line?: unknown;
  /** How long (s) the rule's condition must last before it fires: sets how long a restored incident waits. */
  readonly minSeconds?: unknown;
  readonly [field: string]: unknown;
}

/** A configured zone: its name is the operator's label, its geometry part of its rules' fingerprints. */
export interface IncidentZone {
  readonly id: string;
  readonly name?: string;
  readonly units: unknown;
  readonly points: unknown;
}

/** A configured line, as a zone. */
export interface IncidentLine {
  readonly id: string;
  readonly name?: string;
  readonly units: unknown;
  readonly from: unknown;
  readonly to: unknown;
}

/** The camera an incident comes from: its identity and place (copied into every incident) and its rules. */
export interface IncidentCamera {
  readonly id: string;
  readonly name?: string;
  readonly location?: { readonly lat?: number; readonly lon?: number; readonly address?: string };
  /** false: the camera is kept in the file but not run (its restored incidents end). */
  readonly enabled: boolean;
  readonly timezone: unknown;
  readonly rules: readonly IncidentRule[];
  readonly zones: readonly IncidentZone[];
  readonly lines: readonly IncidentLine[];
}
