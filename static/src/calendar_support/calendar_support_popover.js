import { patch } from "@web/core/utils/patch";
import { AttendeeCalendarCommonPopover } from "@calendar/views/attendee_calendar/common/attendee_calendar_common_popover";

// The meeting's popover in the calendar offers "Log Support Time" once the meeting has a
// support task: the same server method as the form's button and the list's action.
patch(AttendeeCalendarCommonPopover.prototype, {
    get supportCanLogTime() {
        const raw = this.props.record.rawRecord;
        return Boolean(raw.support_task_id) && !raw.allday;
    },

    async onClickSupportLogTime() {
        const action = await this.orm.call(this.props.model.resModel, "action_support_log_time", [
            [this.props.record.id],
        ]);
        this.props.close();
        await this.actionService.doAction(action);
    },
});
