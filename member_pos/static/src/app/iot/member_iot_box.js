/**
 * The store's IoT box running the member drivers (iot_drivers/README.md):
 * JSON-RPC calls with the shared secret as a bearer header (the header the
 * box's CORS preflight allows). Plain fetch: the box is another origin.
 */
export class MemberIotError extends Error {
    constructor(message, { code = 0, refused = false } = {}) {
        super(message);
        this.code = code;
        // the box answered but refused the secret (403): retrying soon is useless
        this.refused = refused;
    }
}

export class MemberIotBox {
    constructor(url, secret) {
        this.url = String(url || "").trim().replace(/\/+$/, "");
        this.secret = secret || "";
        this.controllers = new Set();
    }

    /** ``route``'s result, or a MemberIotError (unreachable, timeout, refused). */
    async call(route, params = {}, { timeout = 15000 } = {}) {
        const controller = new AbortController();
        this.controllers.add(controller);
        const timer = setTimeout(() => controller.abort(), timeout);
        let answer;
        try {
            const response = await fetch(`${this.url}${route}`, {
                method: "POST",
                headers: {
                    "Content-Type": "application/json",
                    Authorization: `Bearer ${this.secret}`,
                },
                body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: Date.now(), params }),
                signal: controller.signal,
                // Chrome's Local Network Access, as the POS's own calls to a box
                // (system parameter point_of_sale.use_lna)
                targetAddressSpace: globalThis.odoo?.use_lna ? "local" : undefined,
            });
            if (!response.ok) {
                throw new MemberIotError(`HTTP ${response.status}`, { code: response.status });
            }
            answer = await response.json();
        } catch (error) {
            if (error instanceof MemberIotError) {
                throw error;
            }
            throw new MemberIotError(String(error?.message || error));
        } finally {
            clearTimeout(timer);
            this.controllers.delete(controller);
        }
        if (answer.error) {
            const code = answer.error.code;
            throw new MemberIotError(answer.error.data?.message || answer.error.message, {
                code,
                refused: code === 403,
            });
        }
        return answer.result;
    }

    /** Abort the calls under way (the POS closes). */
    abort() {
        for (const controller of this.controllers) {
            controller.abort();
        }
        this.controllers.clear();
    }
}
