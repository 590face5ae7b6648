from . import support_block_renew_wizard
from . import support_mileage_log_wizard
from . import support_invoice_wizard
from . import support_time_import_line
from . import support_time_import_wizard
