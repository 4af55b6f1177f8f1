import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { useBarcodeReader } from "@point_of_sale/app/hooks/barcode_reader_hook";
import { MemberPanel } from "@member_pos/app/components/member_panel/member_panel";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        useBarcodeReader({ member_card: this._barcodeMemberAction });
    },
    /** A member card scanned or swiped (barcode rules of type Member Card). */
    async _barcodeMemberAction(code) {
        const member = await this.pos.memberLookup(code.code);
        if (member) {
            this.dialog.add(MemberPanel, { member });
        }
    },
});
