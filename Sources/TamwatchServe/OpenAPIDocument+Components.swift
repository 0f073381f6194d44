extension OpenAPIDocument {
    /// The shared parameters, responses, schemas and the bearer scheme.
    static let components = #"""
        components:
          securitySchemes:
            bearer: { type: http, scheme: bearer }
          parameters:
            job_id: { name: job_id, in: path, required: true, schema: { $ref: '#/components/schemas/JobID' } }
            limit: { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 500, default: 50 } }
            cursor: { name: cursor, in: query, description: The next_cursor of the page before, schema: { type: string, pattern: '^c[0-9a-z]{1,12}$' } }
            label:
              name: label
              in: query
              description: "key=value; repeat for several (all must match)"
              schema: { type: array, items: { type: string, pattern: '^[^=]+=' } }
              style: form
              explode: true
          responses:
            Watched:
              description: The watch
              headers:
                Location: { description: The watch's address, schema: { type: string } }
              content: { application/json: { schema: { $ref: '#/components/schemas/Watch' } } }
              links:
                getWatch: { operationId: getWatch, parameters: { job_id: '$response.body#/job_id' } }
                watchEvents: { operationId: watchEvents, parameters: { job_id: '$response.body#/job_id' } }
                stopWatch: { operationId: stopWatch, parameters: { job_id: '$response.body#/job_id' } }
                deleteWatch: { operationId: deleteWatch, parameters: { job_id: '$response.body#/job_id' } }
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
            JobID:
              type: string
              description: "1 to 128 of A-Z a-z 0-9 - . _ ~, not only dots"
              minLength: 1
              maxLength: 128
              pattern: '^[A-Za-z0-9._~-]*[A-Za-z0-9_~-][A-Za-z0-9._~-]*$'
            Labels:
              type: object
              description: "One line of plain text each (no control characters, no bidirectional overrides); a key is not empty and has no '='"
              maxProperties: 32
              propertyNames: { type: string, minLength: 1, maxLength: 64, pattern: '^[^=\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$' }
              additionalProperties: { type: string, maxLength: 1024, pattern: '^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$' }
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
                job_id: { $ref: '#/components/schemas/JobID' }
                labels: { $ref: '#/components/schemas/Labels' }
                max_credits: { type: integer, minimum: 1, maximum: 1000000000 }
                guard_action: { type: string, enum: [pause, cancel, notify] }
            BuildRequest:
              type: object
              required: [query]
              additionalProperties: false
              properties:
                query: { type: string, minLength: 1, maxLength: 500, pattern: '^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$' }
                labels: { $ref: '#/components/schemas/Labels' }
                max_credits: { type: integer, minimum: 1, maximum: 1000000000 }
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
                folded: { type: integer, description: Events folded into this one by the rule's throttle }
                render_error: { type: [string, 'null'], description: Why the template could not render it (a fallback was sent) }
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
