import type { IncidentPayload } from './payload.js';

/**
 * CloudEvents 1.0, MQTT protocol binding, binary content mode (MQTT 5 only): the event's context attributes
 * ride as PUBLISH User Properties and the Content Type property, the payload stays the camwatch JSON.
 * Chosen over structured mode, which would wrap every payload in an envelope (`{specversion, …, data}`)
 * and so change the message every existing subscriber parses, for 3.1.1 clients too; binary mode costs
 * ~250 bytes of properties and nothing to consumers that ignore them. See docs/mqtt.md.
 */

/** `dataschema` of incident events: the `$id` of docs/schemas/incident-event.schema.json. */
export const INCIDENT_DATASCHEMA = 'https://camwatch.example/schemas/camwatch.incident/1/incident-event.schema.json';

/** The attributes of one incident event (pure). The id is per event, stable across resends and duplicates. */
export function incidentCloudEvent(payload: IncidentPayload): Record<string, string> {
  const sequence = payload.sequence ?? 1;
  return {
    specversion: '1.0',
    // Unique per source for each event; a duplicate or a resend of the same event keeps it, so a CloudEvents
    // consumer de-duplicates on (source, id) exactly as the IOC does on (id, status, sequence).
    id: `${payload.id}:${sequence}:${payload.status}`,
    source: `/camwatch/${payload.agentId}/cameras/${payload.cameraId}`,
    type: `camwatch.incident.${payload.status}`,
    subject: payload.id,
    time: payload.endedAt ?? payload.updatedAt ?? payload.startedAt,
    dataschema: INCIDENT_DATASCHEMA,
  };
}

/** MQTT 5 PUBLISH properties carrying the event in binary content mode. */
export function cloudEventPublishProperties(payload: IncidentPayload): { contentType: string; payloadFormatIndicator: boolean; userProperties: Record<string, string> } {
  return { contentType: 'application/json', payloadFormatIndicator: true, userProperties: incidentCloudEvent(payload) };
}
