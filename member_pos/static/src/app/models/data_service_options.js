import { patch } from "@web/core/utils/patch";
import { DataServiceOptions } from "@point_of_sale/app/models/data_service_options";

// The member prices a till keeps from its last start-up (its browser's cache)
// are checked again at the next: removed ones, or those of a product its store
// no longer sells, go (pos.session.filter_local_data).
patch(DataServiceOptions.prototype, {
    get cleanupModels() {
        return [...super.cleanupModels, "member.level.price"];
    },
});
