package dev.strata.cli;

import dev.strata.volume.Sizes;
import java.math.BigInteger;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Sizes on the command line: plain bytes or a binary suffix (KiB, MiB, GiB, TiB, PiB; "Ki",
 * "Gi" ... also accepted). Decimal units (GB) are refused: sizes are exact bytes everywhere.
 * Anything above the largest volume (64 TiB) is refused saying so.
 */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim();
        String lower = v.toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] units = {{"kib", "ki"}, {"mib", "mi"}, {"gib", "gi"}, {"tib", "ti"}, {"pib", "pi"}};
        for (int i = 0; i < units.length && unit == 1; i++) {
            for (String suffix : units[i]) {
                if (lower.endsWith(suffix)) {
                    unit = 1L << (10 * (i + 1));
                    v = v.substring(0, v.length() - suffix.length());
                    break;
                }
            }
        }
        if (!v.matches("[0-9]{1,30}"))
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a size: use bytes or KiB, MiB, GiB, TiB (e.g. 10GiB)");
        BigInteger bytes = new BigInteger(v).multiply(BigInteger.valueOf(unit));
        if (bytes.compareTo(BigInteger.valueOf(Sizes.MAX_SIZE)) > 0)
            throw new CommandLine.TypeConversionException("'" + value + "' is more than the largest volume, 64TiB ("
                    + Sizes.MAX_SIZE + " bytes)");
        return bytes.longValueExact();
    }
}
