// An Element-like Matrix client for the integration tests: matrix-js-sdk with its Rust crypto.
//
// Usage: node client.mjs <homeserver URL> <user ID> <password>
// Reads one JSON command a line on stdin ({"id": 1, "cmd": "send", ...}) and writes one JSON
// answer a line on stdout ({"id": 1, "ok": true, "result": ...}); the first line is
// {"ready": {...}} once the client syncs. Logs go to stderr. Commands run concurrently.

import readline from "node:readline";

// The SDK logs through console.*; stdout belongs to the protocol, so all of it goes to stderr.
// This must happen before the SDK is loaded: its logger binds the console methods on import.
for (const name of ["log", "info", "debug", "trace", "warn"]) console[name] = console.error;
const sdk = await import("matrix-js-sdk");
const { UserId } = await import("@matrix-org/matrix-sdk-crypto-wasm");
const { OnlySignedDevicesIsolationMode } = await import("matrix-js-sdk/lib/crypto-api/index.js");
const { logger } = await import("matrix-js-sdk/lib/logger.js");
const { PollResponseEvent } = await import(
    "matrix-js-sdk/lib/extensible_events_v1/PollResponseEvent.js"
);
logger.setLevel(process.env.JSCLIENT_LOG_LEVEL ?? "warn");

const [baseUrl, userId, password] = process.argv.slice(2);
const POLL_MS = 100;

function out(obj) {
    process.stdout.write(JSON.stringify(obj) + "\n");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, timeoutSeconds, probe) {
    const deadline = Date.now() + (timeoutSeconds ?? 30) * 1000;
    for (;;) {
        const value = await probe();
        if (value !== undefined && value !== null && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(POLL_MS);
    }
}

async function start() {
    const login = await sdk.createClient({ baseUrl }).loginRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: userId },
        password,
        initial_device_display_name: "Element-like test client",
    });
    const client = sdk.createClient({
        baseUrl,
        userId: login.user_id,
        deviceId: login.device_id,
        accessToken: login.access_token,
    });
    await client.initRustCrypto({ useIndexedDB: false });
    // Element sets up cross-signing for a new account; the UIA challenge is answered by password.
    await client.getCrypto().bootstrapCrossSigning({
        setupNewCrossSigning: true,
        authUploadDeviceSigningKeys: (makeRequest) => makeRequest(passwordAuth()),
    });
    await client.startClient({ initialSyncLimit: 20 });
    await waitFor("first sync", 60, () => client.isInitialSyncComplete());
    return client;
}

function passwordAuth() {
    return { type: "m.login.password", identifier: { type: "m.id.user", user: userId }, password };
}

function describe(event) {
    return {
        event_id: event.getId(),
        room_id: event.getRoomId(),
        sender: event.getSender(),
        type: event.getType(),
        content: event.getContent(),
        encrypted: event.isEncrypted(),
        decryption_failure: event.isDecryptionFailure(),
    };
}

// m.room.message events in a room's live timeline, oldest first. An event that failed to decrypt
// is one too (m.bad.encrypted, decryption_failure); one still waiting for its first attempt is not.
function messages(client, roomId, sender) {
    const events = client.getRoom(roomId)?.getLiveTimeline().getEvents() ?? [];
    return events
        .filter((ev) => ev.getType() === "m.room.message" && !ev.isBeingDecrypted())
        .filter((ev) => !sender || ev.getSender() === sender)
        .map(describe);
}

const ENCRYPTION = {
    type: "m.room.encryption",
    state_key: "",
    content: { algorithm: "m.megolm.v1.aes-sha2" },
};

// What Element does for "Start chat": a trusted private room, is_direct, encrypted, then m.direct.
async function createDm(client, { user }) {
    const { room_id } = await client.createRoom({
        preset: sdk.Preset.TrustedPrivateChat,
        visibility: sdk.Visibility.Private,
        is_direct: true,
        invite: [user],
        initial_state: [ENCRYPTION],
    });
    await waitFor("the new room in sync", 30, () => client.getRoom(room_id));
    const direct = client.getAccountData("m.direct")?.getContent() ?? {};
    const rooms = [...(direct[user] ?? []), room_id];
    await client.setAccountData("m.direct", { ...direct, [user]: rooms });
    return { room_id };
}

const seenInvites = new Set();

// A poll as Element's poll tile shows it; only a start event the SDK could parse is in room.polls.
function pollState(poll) {
    const start = poll.pollEvent;
    return {
        poll_id: poll.pollId,
        question: start.question.text,
        kind: start.kind.name,
        max_selections: start.maxSelections,
        answers: start.answers.map((a) => ({ id: a.id, text: a.text })),
        ended: poll.isEnded,
    };
}

const findPoll = (client, room, question) =>
    [...(client.getRoom(room)?.polls.values() ?? [])].find(
        (poll) => poll.pollEvent.question.text === question,
    );

const commands = {
    create_dm: createDm,
    async join(client, { room, timeout }) {
        await client.joinRoom(room);
        const joined = () => client.getRoom(room)?.getMyMembership() === "join";
        await waitFor(`the join of ${room} in sync`, timeout, joined);
        return {};
    },
    async wait_invite(client, { timeout }) {
        const fresh = (r) => r.getMyMembership() === "invite" && !seenInvites.has(r.roomId);
        const room = await waitFor("an invitation", timeout, () => client.getRooms().find(fresh));
        seenInvites.add(room.roomId);
        return { room_id: room.roomId, inviter: room.getDMInviter() ?? null };
    },
    async wait_joined(client, { room, user, timeout }) {
        const joined = () => client.getRoom(room)?.getMember(user)?.membership === "join";
        await waitFor(`${user} joined ${room}`, timeout, joined);
        return {};
    },
    async send(client, { room, body }) {
        return client.sendMessage(room, { msgtype: "m.text", body });
    },
    async reply(client, { room, event_id, body }) {
        const relation = { "m.in_reply_to": { event_id } };
        return client.sendMessage(room, { msgtype: "m.text", body, "m.relates_to": relation });
    },
    async react(client, { room, event_id, key }) {
        const relation = { rel_type: "m.annotation", event_id, key };
        return client.sendEvent(room, "m.reaction", { "m.relates_to": relation });
    },
    async messages(client, { room, sender }) {
        return messages(client, room, sender);
    },
    // Waits until `sender` has posted `count` messages in the room, all decrypted; returns them.
    async wait_messages(client, { room, sender, count, timeout }) {
        const wanted = count ?? 1;
        try {
            return await waitFor(`${wanted} message(s) from ${sender} in ${room}`, timeout, () => {
                const found = messages(client, room, sender);
                return found.length >= wanted && found.every((m) => !m.decryption_failure) && found;
            });
        } catch (error) {
            const got = JSON.stringify(messages(client, room, sender));
            throw new Error(`${error.message}; got ${got}`);
        }
    },
    // Waits until a poll with this question shows in the room; with `ended`, until it has ended.
    async wait_poll(client, { room, question, ended, timeout }) {
        const poll = await waitFor(`poll "${question}" in ${room}`, timeout, () => {
            const found = findPoll(client, room, question);
            return found && (!ended || found.isEnded) && found;
        });
        return pollState(poll);
    },
    // Votes as Element's poll tile does: an m.poll.response referencing the start event.
    async poll_vote(client, { room, question, answer, timeout }) {
        const poll = await waitFor(`poll "${question}" in ${room}`, timeout, () =>
            findPoll(client, room, question),
        );
        const option = poll.pollEvent.answers.find((a) => a.text === answer);
        if (!option) throw new Error(`poll "${question}" has no answer "${answer}"`);
        const response = PollResponseEvent.from([option.id], poll.pollId).serialize();
        return client.sendEvent(room, response.type, response.content);
    },
    // The device's trust as Element shows it; the user must share an encrypted room with us.
    async device_status(client, { user, device, timeout }) {
        const status = await waitFor(`keys of ${user}'s device ${device}`, timeout, () =>
            client.getCrypto().getDeviceVerificationStatus(user, device),
        );
        const { signedByOwner, crossSigningVerified, localVerified } = status;
        const verified = status.isVerified();
        return { signedByOwner, crossSigningVerified, localVerified, verified };
    },
    // Trust another user's identity (sign their master key), as a finished emoji verification does.
    // The bot cannot do emoji verification, so this reaches into the SDK's Rust crypto (private
    // fields olmMachine and outgoingRequestProcessor of 37.x) for the signature upload.
    async verify_user(client, { user, timeout }) {
        const crypto = client.getCrypto();
        await crypto.getUserDeviceInfo([user], true);
        const identity = await crypto.olmMachine.getIdentity(new UserId(user));
        if (!identity) throw new Error(`${user} has no cross-signing identity`);
        await crypto.outgoingRequestProcessor.makeOutgoingRequest(await identity.verify());
        const status = () => crypto.getUserVerificationStatus(user);
        const verified = async () => (await status()).isCrossSigningVerified();
        await waitFor(`${user} verified`, timeout, verified);
        return {};
    },
    // Element's "exclude insecure devices": room keys only go to devices their owner cross-signed.
    async only_signed_devices(client) {
        client.getCrypto().setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
        return {};
    },
};

async function handle(client, line) {
    let request;
    try {
        request = JSON.parse(line);
        const command = Object.hasOwn(commands, request.cmd) ? commands[request.cmd] : null;
        if (!command) throw new Error(`unknown command ${request.cmd}`);
        out({ id: request.id, ok: true, result: (await command(client, request)) ?? null });
    } catch (error) {
        out({ id: request?.id ?? null, ok: false, error: String(error?.stack ?? error) });
    }
}

const client = await start();
out({ ready: { user_id: client.getUserId(), device_id: client.getDeviceId() } });
const input = readline.createInterface({ input: process.stdin });
input.on("line", (line) => line.trim() && handle(client, line));
input.on("close", () => {
    client.stopClient();
    process.exit(0);
});
