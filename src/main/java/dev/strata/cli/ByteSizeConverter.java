package dev.strata.cli;

import java.util.Locale;
import picocli.CommandLine;

/**
 * Sizes on the command line: plain bytes or a binary suffix (KiB, MiB, GiB, TiB; "Ki", "Gi"
 * ... also accepted). Decimal units (GB) are refused: sizes are exact bytes everywhere.
 */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] units = {{"kib", "ki"}, {"mib", "mi"}, {"gib", "gi"}, {"tib", "ti"}};
        for (int i = 0; i < units.length; i++) {
            for (String suffix : units[i]) {
                if (lower.endsWith(suffix)) {
                    unit = 1L << (10 * (i + 1));
                    v = v.substring(0, v.length() - suffix.length());
                    lower = "";
                    break;
                }
            }
            if (unit != 1) break;
        }
        if (!v.matches("[0-9]{1,15}"))
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a size: use bytes or KiB, MiB, GiB, TiB (e.g. 10GiB)");
        return Math.multiplyExact(Long.parseLong(v), unit);
    }
}
