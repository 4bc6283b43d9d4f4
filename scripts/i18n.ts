/**
 * `deno task i18n`: writes `widget/catalogue.ts`, the widget's texts cut from the interface
 * catalogues (lib/shared/i18n/widget_catalogue.ts), and formats it.
 */
import { renderWidgetCatalogue } from "../lib/shared/i18n/widget_catalogue.ts";

const target = new URL("../widget/catalogue.ts", import.meta.url);
await Deno.writeTextFile(target, renderWidgetCatalogue());
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", target.pathname] }).output();
if (!fmt.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(fmt.stderr)}`);
console.log(`wrote ${target.pathname}`);
