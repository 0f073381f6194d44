/// The API's OpenAPI 3.1 description, written by hand and served at `/api/v1/openapi.yaml`.
/// A test validates it and holds its paths equal to the routes the server has.
public enum OpenAPIDocument {
    public static let yaml = paths + "\n" + components + "\n"

    /// `openapi`, `info` and every path.
    static let paths = #"""
        openapi: 3.1.0
        info:
          title: tamwatch
          version: 0.1.0
          summary: Watch OpenFunnel TAM builds, follow their events, and see their deliveries.
          description: |
            Every route except /-/healthy and /-/ready needs `Authorization: Bearer TOKEN` when
            serve.tokens is set; a token with the read scope may only GET. Lists are cursor-paged:
            pass a page's `next_cursor` as `cursor`. Errors are application/problem+json (RFC 9457).
            Every route may also answer 421 when `Host` does not name this service; a change (POST,
            DELETE) 403 when a browser sends it from another site's page, and 415 when its body is
            not application/json.
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
              description: |
                OpenFunnel is asked for the job first (3 s at most): a job it does not know is a 404.
              responses:
                '201': { $ref: '#/components/responses/Watched' }
                '200': { $ref: '#/components/responses/Watched' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '429': { $ref: '#/components/responses/Problem' }
            get:
              operationId: listWatches
              summary: List watches, newest first
              parameters:
                - { name: status, in: query, schema: { type: string } }
                - { $ref: '#/components/parameters/label' }
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
                '201': { $ref: '#/components/responses/Watched' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '429': { $ref: '#/components/responses/Problem' }
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
              operationId: deleteWatch
              summary: Stop watching and forget the watch (404 from then on)
              description: The job's events and deliveries stay until state.retention prunes them.
              responses:
                '204': { description: Deleted }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
          /api/v1/watches/{job_id}/stop:
            parameters:
              - { $ref: '#/components/parameters/job_id' }
            post:
              operationId: stopWatch
              summary: Stop watching (the watch and its history stay; registering it again resumes it)
              responses:
                '200': { description: The stopped watch, content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } } }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
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
                '403': { $ref: '#/components/responses/Problem' }
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
                '403': { $ref: '#/components/responses/Problem' }
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
                '403': { $ref: '#/components/responses/Problem' }
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
                - { name: after, in: query, description: Only events after this sequence number, schema: { type: integer, minimum: 0, maximum: 9223372036854775807 } }
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
                stop. Resume with the `Last-Event-ID` header or `since`; a cursor ahead of every
                event the store has gets `event: reset` (its `id` the newest cursor) instead of
                silence.
              parameters:
                - { name: job_id, in: query, schema: { $ref: '#/components/schemas/JobID' } }
                - { name: type, in: query, description: "An event type or a glob such as job.*; repeat or comma-separate", schema: { type: array, items: { type: string } }, style: form, explode: true }
                - { $ref: '#/components/parameters/label' }
                - { name: since, in: query, schema: { type: integer, minimum: 0, maximum: 9223372036854775807 } }
                - { name: Last-Event-ID, in: header, schema: { type: integer, minimum: 0, maximum: 9223372036854775807 } }
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
                '403': { $ref: '#/components/responses/Problem' }
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
                '401': { $ref: '#/components/responses/Problem' }
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
          /-/reload:
            post:
              operationId: reload
              summary: Read the configuration file again and apply it (as SIGHUP does)
              description: |
                Rules, templates, channels, the guard and the watch defaults are applied; keys read only at
                start (the listen address, the state, tokens, the API's address and key) are listed in
                needs_restart and not applied. A file with problems changes nothing: 422 with each one.
              responses:
                '200':
                  description: Applied
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status, changed, needs_restart]
                        properties:
                          status: { type: string, enum: [ok] }
                          changed: { type: array, items: { type: string } }
                          needs_restart: { type: array, items: { type: string } }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
          /:
            get:
              operationId: statusPage
              summary: "The live status page (`?access_token=` starts a session, a signed cookie)"
              parameters:
                - { name: access_token, in: query, schema: { type: string } }
              responses:
                '200': { description: HTML, content: { text/html: { schema: { type: string } } } }
                '303': { description: Session cookie set; redirects to / }
                '401': { $ref: '#/components/responses/Problem' }
        """#
}
