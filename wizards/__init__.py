from . import support_block_renew_wizard
