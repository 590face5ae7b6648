import { registry } from "@web/core/registry";
import { openSupportMenu } from "@it_support_time/../tests/tours/support_tour_steps";

// A support manager imports a small Toggl Track export (detailed report): the preview
// shows each row and where it goes, then Import writes the valid rows.
function togglFile() {
    const today = luxon.DateTime.now().toISODate();
    return [
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()",
        `Marc Tech,marc@example.com,Acme Dental Clinic,Managed IT,Help desk,Tour: printer driver,Yes,${today},09:00:00,${today},09:20:00,00:20:00,,`,
        `Julie Support,julie@example.com,Acme Dental Clinic,Managed IT,Help desk,Tour: new mailbox,No,${today},10:00:00,${today},10:45:00,00:45:00,,`,
        `Ghost User,ghost@example.com,Acme Dental Clinic,Managed IT,Help desk,Tour: unknown user,Yes,${today},11:00:00,${today},11:30:00,00:30:00,,`,
    ].join("\n");
}

registry.category("web_tour.tours").add("it_support_time_import", {
    url: "/odoo",
    steps: () => [
        ...openSupportMenu("menu_support_operations", "Operations", "support_time_import_wizard_menu", "Import Time"),
        {
            content: "Upload the Toggl Track export",
            trigger: ".modal .o_field_widget[name='data_file'] input[type='file']:not(:visible)",
            run() {
                const file = new File([togglFile()], "toggl_detailed.csv", { type: "text/csv" });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The file is loaded",
            trigger: ".modal .o_field_widget[name='data_file'] .o_clear_file_button",
        },
        {
            content: "Preview",
            trigger: ".modal button[name='action_preview']",
            run: "click",
        },
        {
            content: "The format is recognised",
            trigger: ".modal .o_field_widget[name='file_format']:contains('Toggl Track')",
        },
        {
            content: "Marc's row goes to Acme's help desk",
            trigger:
                ".modal .o_data_row:contains('Marc Tech'):contains('Acme Dental Clinic'):contains('Help desk'):contains('To Import')",
        },
        {
            content: "The unknown user is refused, with the rule",
            trigger: ".modal .o_data_row:contains('Refused'):contains('unknown user ghost@example.com')",
        },
        {
            content: "Import",
            trigger: ".modal button[name='action_import']",
            run: "click",
        },
        {
            content: "The result says what was written",
            trigger: ".modal .o_field_widget[name='result_message']:contains('2 entries imported (1.08 h)')",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
