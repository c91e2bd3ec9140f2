import { z } from 'zod';
import { chooseProfiles, connectOnvif, parseDeviceAddress, type OnvifConnectOptions, type OnvifDeviceReport, type ProfileChoice } from '../../cameras/index.js';
import { cameraSchema } from '../../config/index.js';
import { CamwatchError, type Logger } from '../../core/index.js';

/**
 * Onboarding (`camwatch camera add`): from an address and credentials to a camera config entry, by asking the
 * camera over ONVIF (agent/cameras) which streams it has, checked against the config schema (agent/config). The entry never holds the password: it names a file or an environment
 * variable, as the technician chose.
 */

/** A camera entry as written to YAML (input form: defaults are left for the schema to fill in). */
export type CameraEntry = z.input<typeof cameraSchema> & { id: string };

/** Where the agent will read the camera password from. */
export type PasswordRef = { passwordFile: string } | { passwordEnv: string };

/** Skews beyond this are worth telling the technician (incident times use the agent's clock, but evidence overlays do not). */
export const DEFAULT_SKEW_WARNING_MS = 60_000;

export interface OnboardOptions {
  address: string;
  username?: string;
  /** Used to connect now; never stored. */
  password?: string;
  passwordRef?: PasswordRef;
  /** Id to use; derived from `name` or the address when absent. */
  id?: string;
  name?: string;
  /** Ids already in the config: a derived id gets a suffix, an explicit one is refused. */
  existingIds?: readonly string[];
  minWidthPx?: number;
  timeoutMs?: number;
  logger?: Logger;
  /** Injected in tests; the real adapter otherwise. */
  connect?: (options: OnvifConnectOptions) => Promise<OnvifDeviceReport>;
}

export interface OnboardResult {
  entry: CameraEntry;
  report: OnvifDeviceReport;
  choice: ProfileChoice;
  /** Things the technician should know (clock, resolution, NAT). */
  warnings: string[];
}

/** Connects, picks the streams and returns a validated entry. */
export async function onboardCamera(options: OnboardOptions): Promise<OnboardResult> {
  const id = resolveCameraId(options);
  const connect = options.connect ?? connectOnvif;
  const report = await connect({
    address: options.address,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const choice = chooseProfiles(report.profiles, options.minWidthPx === undefined ? {} : { minWidthPx: options.minWidthPx });
  const entry = buildCameraEntry({ id, report, choice, ...pick(options, 'name', 'username', 'passwordRef') });
  return { entry, report, choice, warnings: onboardingWarnings(options.address, report, choice, options.minWidthPx) };
}

/** The id the entry will have; exported so the CLI can name a secret file before connecting. */
export function resolveCameraId(options: Pick<OnboardOptions, 'id' | 'name' | 'address' | 'existingIds'>): string {
  const existing = new Set(options.existingIds ?? []);
  if (options.id !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(options.id)) {
      throw new CamwatchError('CONFIG_INVALID', `camera id "${options.id}" is not valid`, {
        hint: 'Use letters, digits, "-" and "_" only (it becomes an MQTT topic level).',
      });
    }
    if (existing.has(options.id)) {
      throw new CamwatchError('CONFIG_INVALID', `a camera with id "${options.id}" already exists`, {
        hint: 'Choose another --id, or remove the existing entry first.',
      });
    }
    return options.id;
  }
  const base = deriveCameraId(options.name ?? options.address);
  let id = base;
  for (let n = 2; existing.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** "North Gate #2" → "north-gate-2"; "10.0.0.5:8080" → "cam-10-0-0-5-8080". */
export function deriveCameraId(nameOrAddress: string): string {
  let text = nameOrAddress.trim();
  const looksLikeAddress = /^(https?:\/\/)?[\d.:[\]a-f]+(\/.*)?$/i.test(text) && /\d/.test(text);
  if (looksLikeAddress) {
    const target = parseDeviceAddress(text);
    text = `cam-${target.hostname}${target.port === 80 ? '' : `-${target.port}`}`;
  }
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug === '' ? 'camera' : slug;
}

export interface BuildEntryInput {
  id: string;
  name?: string;
  username?: string;
  passwordRef?: PasswordRef;
  report: OnvifDeviceReport;
  choice: ProfileChoice;
}

/** Pure: the entry for the chosen streams, validated against cameraSchema. */
export function buildCameraEntry(input: BuildEntryInput): CameraEntry {
  const { report, choice } = input;
  const deviceName = `${report.info.manufacturer} ${report.info.model}`.trim();
  const name = input.name ?? (deviceName === '' ? undefined : deviceName);
  const snapshotUri = choice.main.snapshotUri ?? choice.analysis.snapshotUri;
  const entry: CameraEntry = {
    id: input.id,
    ...(name === undefined ? {} : { name }),
    source: {
      url: choice.analysis.streamUri as string,
      transport: 'tcp',
      ...(input.username === undefined || input.username === '' ? {} : { username: input.username }),
      ...(input.passwordRef ?? {}),
    },
    onvif: {
      xaddr: report.xaddr,
      ...(choice.main.streamUri === undefined ? {} : { mainStreamUri: choice.main.streamUri }),
      ...(snapshotUri === undefined ? {} : { snapshotUri }),
      clockSkewMs: report.clockSkewMs,
    },
  };
  const checked = cameraSchema.safeParse(entry);
  if (!checked.success) {
    throw new CamwatchError('CONFIG_INVALID', `the camera entry built for ${report.xaddr} is not valid`, {
      details: { issues: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return entry;
}

function onboardingWarnings(address: string, report: OnvifDeviceReport, choice: ProfileChoice, minWidthPx: number | undefined): string[] {
  const warnings: string[] = [];
  const skewSeconds = Math.round(report.clockSkewMs / 1000);
  if (Math.abs(report.clockSkewMs) > DEFAULT_SKEW_WARNING_MS) {
    warnings.push(
      `camera clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'ahead of' : 'behind'} this box: enable NTP on the camera (incident times use this box's clock)`,
    );
  }
  if (choice.belowMinimum) {
    warnings.push(`no stream is at least ${minWidthPx ?? 'the minimum'} px wide; analysing the widest (${choice.analysis.width ?? '?'} px)`);
  }
  const given = parseDeviceAddress(address).hostname;
  const streamHost = choice.analysis.streamUri === undefined ? undefined : new URL(choice.analysis.streamUri).hostname.replace(/^\[|\]$/g, '');
  if (streamHost !== undefined && streamHost !== given) {
    warnings.push(`the camera announces its stream on ${streamHost}, not ${given}: behind NAT or a port forward, edit source.url`);
  }
  return warnings;
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
