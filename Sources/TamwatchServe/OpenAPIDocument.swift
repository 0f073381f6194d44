/// The API's OpenAPI 3.1 description, written by hand and served at `/api/v1/openapi.yaml`.
/// A test validates it and holds its paths equal to the routes the server has.
public enum OpenAPIDocument {
    public static let yaml = #"""
        openapi: 3.1.0
        info:
          title: tamwatch
          version: 0.1.0
          summary: Watch OpenFunnel TAM builds, follow their events, and see their deliveries.
          description: |
            Every route except /-/healthy and /-/ready needs `Authorization: Bearer TOKEN` when
            serve.tokens is set. Lists are cursor-paged: pass a page's `next_cursor` as `cursor`.
            Errors are application/problem+json (RFC 9457).
        servers:
          - url: /
        security:
          - bearer: []
        paths:
          /api/v1/watches:
            post:
              operationId: registerWatch
              summary: Watch an existing build (idempotent for the same job)
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/WatchRequest' }
              responses:
                '201': { description: Now watched, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '200': { description: Already watched, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
            get:
              operationId: listWatches
              summary: List watches, newest first
              parameters:
                - { name: status, in: query, schema: { type: string } }
                - { name: label, in: query, description: "key=value; repeat for several (all must match)", schema: { type: array, items: { type: string } }, style: form, explode: true }
                - { name: active, in: query, schema: { type: boolean } }
                - { $ref: '#/components/parameters/limit' }
                - { $ref: '#/components/parameters/cursor' }
              responses:
                '200':
                  description: A page of watches
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [data, next_cursor]
                        properties:
                          data: { type: array, items: { $ref: '#/components/schemas/Watch' } }
                          next_cursor: { type: [string, 'null'] }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/builds:
            post:
              operationId: submitBuild
              summary: Submit a build to OpenFunnel and watch it
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/BuildRequest' }
              responses:
                '201': { description: Submitted and watched, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '502': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            get:
              operationId: getWatch
              summary: One watch
              responses:
                '200': { description: The watch, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
            delete:
              operationId: stopWatch
              summary: Stop watching (the history is kept)
              responses:
                '200': { description: The stopped watch, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}/cancel:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            post:
              operationId: cancelBuild
              summary: Ask OpenFunnel to cancel the build
              responses:
                '202': { $ref: '#/components/responses/Action' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '502': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}/pause:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            post:
              operationId: pauseBuild
              summary: Ask OpenFunnel to pause the build
              responses:
                '202': { $ref: '#/components/responses/Action' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '502': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}/resume:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            post:
              operationId: resumeBuild
              summary: Ask OpenFunnel to resume the build
              responses:
                '202': { $ref: '#/components/responses/Action' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '502': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}/events:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            get:
              operationId: watchEvents
              summary: The watch's events, oldest first
              parameters:
                - { name: after, in: query, description: Only events after this sequence number, schema: { type: integer, minimum: 0 } }
                - { $ref: '#/components/parameters/limit' }
                - { $ref: '#/components/parameters/cursor' }
              responses:
                '200':
                  description: A page of events
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [data, next_cursor]
                        properties:
                          data: { type: array, items: { $ref: '#/components/schemas/Event' } }
                          next_cursor: { type: [string, 'null'] }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
          /api/v1/events:
            get:
              operationId: eventStream
              summary: Every event as it is committed (Server-Sent Events)
              description: |
                `retry: 3000` first, then per event `id` (a cursor), `event` (the type) and `data`
                (the event on one line); `: ping` every 15 s; `event: shutdown` before a graceful
                stop. Resume with the `Last-Event-ID` header or `since`. A browser may pass
                `access_token` in the query.
              parameters:
                - { name: job_id, in: query, schema: { type: string } }
                - { name: type, in: query, description: "An event type or a glob such as job.*; repeat or comma-separate", schema: { type: array, items: { type: string } }, style: form, explode: true }
                - { name: label, in: query, schema: { type: array, items: { type: string } }, style: form, explode: true }
                - { name: since, in: query, schema: { type: integer, minimum: 0 } }
                - { name: Last-Event-ID, in: header, schema: { type: integer, minimum: 0 } }
              responses:
                '200': { description: The stream, content: { text/event-stream: { schema: { type: string } } } }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/deliveries:
            get:
              operationId: listDeliveries
              summary: Deliveries, newest first
              parameters:
                - { name: status, in: query, schema: { type: string, enum: [pending, sent, dead] } }
                - { name: channel, in: query, schema: { type: string } }
                - { name: job_id, in: query, schema: { type: string } }
                - { $ref: '#/components/parameters/limit' }
                - { $ref: '#/components/parameters/cursor' }
              responses:
                '200':
                  description: A page of deliveries
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [data, next_cursor]
                        properties:
                          data: { type: array, items: { $ref: '#/components/schemas/Delivery' } }
                          next_cursor: { type: [string, 'null'] }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/deliveries/{id}:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string } }
            get:
              operationId: getDelivery
              summary: One delivery with every attempt
              responses:
                '200': { description: The delivery, content: { application/json: { schema: { $ref: '#/components/schemas/Delivery' } } } }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
          /api/v1/deliveries/{id}/replay:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string } }
            post:
              operationId: replayDelivery
              summary: Queue the delivery again (same webhook-id)
              responses:
                '202': { description: Queued, content: { application/json: { schema: { $ref: '#/components/schemas/Delivery' } } } }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
          /api/v1/channels:
            get:
              operationId: listChannels
              summary: Each channel's health (the host only, never the URL)
              responses:
                '200':
                  description: The channels
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [data, next_cursor]
                        properties:
                          data: { type: array, items: { $ref: '#/components/schemas/Channel' } }
                          next_cursor: { type: 'null' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/openapi.yaml:
            get:
              operationId: openapi
              summary: This document
              responses:
                '200': { description: OpenAPI 3.1, content: { application/yaml: { schema: { type: string } } } }
          /metrics:
            get:
              operationId: metrics
              summary: Prometheus metrics
              responses:
                '200': { description: Prometheus text format, content: { text/plain: { schema: { type: string } } } }
                '401': { $ref: '#/components/responses/Problem' }
          /-/healthy:
            get:
              operationId: healthy
              security: []
              responses:
                '200': { description: The process answers, content: { application/json: { schema: { $ref: '#/components/schemas/Health' } } } }
            head:
              operationId: healthyHead
              security: []
              responses:
                '200': { description: The process answers }
          /-/ready:
            get:
              operationId: ready
              security: []
              responses:
                '200': { description: Ready, content: { application/json: { schema: { $ref: '#/components/schemas/Health' } } } }
                '503': { description: Starting or stopping, content: { application/json: { schema: { $ref: '#/components/schemas/Health' } } } }
            head:
              operationId: readyHead
              security: []
              responses:
                '200': { description: Ready }
                '503': { description: Starting or stopping }
          /:
            get:
              operationId: statusPage
              summary: The live status page (`?access_token=` sets a session cookie)
              responses:
                '200': { description: HTML, content: { text/html: { schema: { type: string } } } }
                '303': { description: Session cookie set; redirects to / }
                '401': { $ref: '#/components/responses/Problem' }
        components:
          securitySchemes:
            bearer: { type: http, scheme: bearer }
          parameters:
            job_id: { name: job_id, in: path, required: true, schema: { type: string } }
            limit: { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 500, default: 50 } }
            cursor: { name: cursor, in: query, description: The next_cursor of the page before, schema: { type: string } }
          responses:
            Action:
              description: OpenFunnel's answer
              content:
                application/json:
                  schema:
                    type: object
                    required: [job_id, status, message]
                    properties: { job_id: { type: string }, status: { type: string }, message: { type: string } }
            Problem:
              description: An error (RFC 9457)
              content:
                application/problem+json:
                  schema: { $ref: '#/components/schemas/Problem' }
          schemas:
            Problem:
              type: object
              required: [type, title, status]
              properties:
                type: { type: string }
                title: { type: string }
                status: { type: integer }
                detail: { type: string }
                errors:
                  type: array
                  items: { type: object, required: [field, message], properties: { field: { type: string }, message: { type: string } } }
            WatchRequest:
              type: object
              required: [job_id]
              additionalProperties: false
              properties:
                job_id: { type: string, minLength: 1, maxLength: 200 }
                labels: { type: object, additionalProperties: { type: string } }
                max_credits: { type: integer, minimum: 1 }
                guard_action: { type: string, enum: [pause, cancel, notify] }
            BuildRequest:
              type: object
              required: [query]
              additionalProperties: false
              properties:
                query: { type: string, minLength: 1 }
                labels: { type: object, additionalProperties: { type: string } }
                max_credits: { type: integer, minimum: 1 }
                guard_action: { type: string, enum: [pause, cancel, notify] }
            Watch:
              type: object
              required: [job_id, active, status, labels, created_at]
              properties:
                job_id: { type: string }
                active: { type: boolean }
                status: { type: string, description: "The build's last seen status (open-ended); pending before the first poll" }
                labels: { type: object, additionalProperties: { type: string } }
                processed: { type: [integer, 'null'] }
                bands_done: { type: [integer, 'null'] }
                bands_total: { type: [integer, 'null'] }
                degraded: { type: [boolean, 'null'] }
                credits_consumed: { type: [number, 'null'] }
                progress_message: { type: [string, 'null'] }
                created_at: { type: string, format: date-time }
                last_polled_at: { type: [string, 'null'], format: date-time }
                last_event_at: { type: [string, 'null'], format: date-time }
                finished_at: { type: [string, 'null'], format: date-time }
                stopped_at: { type: [string, 'null'], format: date-time }
                error: { type: [string, 'null'] }
                max_credits: { type: [integer, 'null'] }
                guard_action: { type: [string, 'null'] }
            Event:
              type: object
              required: [id, type, job_id, sequence, occurred_at, data, job, labels]
              properties:
                id: { type: string }
                type: { type: string }
                job_id: { type: [string, 'null'] }
                sequence: { type: integer }
                occurred_at: { type: string, format: date-time }
                data: { type: object }
                job: { type: [object, 'null'] }
                labels: { type: object, additionalProperties: { type: string } }
            Delivery:
              type: object
              required: [id, event_id, job_id, event_type, channel, rule, status, attempt_count, created_at]
              properties:
                id: { type: string }
                event_id: { type: string, description: Also the webhook-id }
                job_id: { type: string }
                event_type: { type: string }
                channel: { type: string }
                rule: { type: string }
                status: { type: string, enum: [pending, sent, dead] }
                attempt_count: { type: integer }
                created_at: { type: string, format: date-time }
                next_at: { type: [string, 'null'], format: date-time }
                last_attempt_at: { type: [string, 'null'], format: date-time }
                sent_at: { type: [string, 'null'], format: date-time }
                last_status: { type: [integer, 'null'] }
                last_error: { type: [string, 'null'] }
                attempts:
                  type: array
                  items:
                    type: object
                    required: [at]
                    properties:
                      at: { type: string, format: date-time }
                      status_code: { type: [integer, 'null'] }
                      duration_ms: { type: [integer, 'null'] }
                      error: { type: [string, 'null'] }
                      response_excerpt: { type: [string, 'null'] }
            Channel:
              type: object
              required: [name, type, host, disabled, pending, dead]
              properties:
                name: { type: string }
                type: { type: string }
                host: { type: string }
                disabled: { type: boolean }
                disabled_reason: { type: [string, 'null'] }
                last_success_at: { type: [string, 'null'], format: date-time }
                last_error: { type: [string, 'null'] }
                last_error_at: { type: [string, 'null'], format: date-time }
                pending: { type: integer }
                oldest_pending_at: { type: [string, 'null'], format: date-time }
                dead: { type: integer }
            Health:
              type: object
              required: [status]
              properties:
                status: { type: string, enum: [ok, unavailable] }
                reason: { type: string }
        """#
}
