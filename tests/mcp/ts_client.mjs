// The official MCP TypeScript SDK's client (@modelcontextprotocol/sdk) through `claw mcp wrap`:
// a second client implementation beside the Python SDK. Run by test_ts_client.py, which copies
// it next to the npm install so the SDK resolves. Argument: a JSON object {command, args};
// prints one JSON object of what the client saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const { command, args } = JSON.parse(process.argv[2]);
const transport = new StdioClientTransport({ command, args, stderr: "inherit" });
const client = new Client({ name: "claw-ts-test", version: "1" }, { capabilities: { elicitation: {} } });
// Approval requests: each message kept; only a read of architecture.md approved.
const asked = [];
client.setRequestHandler(ElicitRequestSchema, async (req) => {
  asked.push(req.params.message);
  const approve = req.params.message.includes("demo://resource/static/document/architecture.md");
  return { action: "accept", content: { approve } };
});
await client.connect(transport);

const refused = async (p) => {
  try {
    await p;
    return null;
  } catch (e) {
    return { code: e.code, reason_code: e.data?.reason_code ?? null };
  }
};
const text = (r) => r.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

const out = {};
out.tools = (await client.listTools()).tools.map((t) => t.name);
const echo = await client.callTool({ name: "echo", arguments: { message: "from ts" } });
out.echo = { isError: echo.isError ?? false, text: text(echo) };
const sum = await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
out.sum = { isError: sum.isError ?? false, text: text(sum) };
out.templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
const complete = async (uri) =>
  (await client.complete({ ref: { type: "ref/resource", uri }, argument: { name: "resourceId", value: "1" } }))
    .completion.values;
out.text_completion = await complete("demo://resource/dynamic/text/{resourceId}");
out.blob_completion = await complete("demo://resource/dynamic/blob/{resourceId}");
const read = await client.readResource({ uri: "demo://resource/dynamic/text/1" });
out.read = read.contents.map((c) => c.uri);
out.read_refused = await refused(client.readResource({ uri: "demo://resource/static/document/features.md" }));
const approved = await client.readResource({ uri: "demo://resource/static/document/architecture.md" });
out.approved_read = approved.contents.map((c) => c.uri);
out.prompt_refused = await refused(client.getPrompt({ name: "args-prompt", arguments: { city: "Oslo" } }));
out.asked = asked;
await client.close();
console.log(JSON.stringify(out));
